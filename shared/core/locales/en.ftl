# Satark bot messages: English.
# Every key here must exist in hi.ftl and ur.ftl too (a test checks).
# Limits from WhatsApp: keys ending in -btn are reply-button titles (at most 20 characters);
# keys ending in -row are list-row titles (at most 24); -desc are row descriptions (at most 72);
# -list are list-menu button labels (at most 20); -section are list section titles (at most 24).
# Keys starting with kw- are comma-separated words a citizen may type instead of tapping;
# words from every language are accepted whatever language is chosen.

language-name = English
language-prompt = Welcome to Satark, the {$range} police's anonymous reporting line. Choose your language:
language-set = Language: English.

menu-prompt = What would you like to do?
    Your identity is protected: the police cannot see your number or your name.
menu-new-btn = New report
menu-status-btn = Report status
menu-privacy-btn = How I'm protected
menu-prefill = Police station from the poster: {$station}, {$district}.

privacy-info = How you are protected:
    • The police never receive your phone number or WhatsApp name. Officers see only the report and a reference code.
    • Your number is kept only in encrypted form, so that we can tell you what action was taken. Officers' systems cannot decrypt it.
    • Location and device details are removed from your photos and videos before anyone sees them.
    • Do not write your name, address or phone number in the report.
    • For extra safety, turn on disappearing messages for this chat.

district-prompt = Which district did it happen in?
district-list = Choose district
district-section = Districts
district-not-found = I couldn't find that district. Please choose one from the list.

station-prompt = Which police station area ({$district})? Tap to choose, or type its name.
station-list = Choose station
station-section = Police stations
station-dont-know-row = Don't know
station-dont-know-desc = The police will work it out
station-not-found = I couldn't find that police station in {$district}. Choose from the list, or pick "Don't know".
station-ambiguous = Several police stations match. Please choose one.
station-unknown = not known

category-prompt = What is it about?
category-list = Choose category
category-section = Categories
category-not-found = I couldn't match that to a category. Please choose one from the list.

list-more-row = More ›
list-more-desc = See more choices
list-back-row = ‹ Back
list-back-desc = Previous choices
list-page = Page {$page} of {$pages}

details-prompt = Tell us what happened. You can send text, voice notes, photos, videos or documents, in as many messages as you need.
    Do not include your name or phone number.
    When you have finished, tap Done.
details-done-btn = Done
details-received = Received: {$what} ({$count} so far). Send more, or tap Done.
details-empty = Please first send at least one message about what happened.
details-full = A report can hold at most {$max} items. Tap Done to continue.
details-sticker = Stickers can't be added to a report. Please send text, a voice note, a photo or a video.
details-contacts = For everyone's safety, contact cards are not attached. If a person matters, describe them in text instead.
what-text = message
what-voice = voice note
what-audio = audio
what-photo = photo
what-video = video
what-document = document
what-location = location

location-prompt = Where did it happen? Share a location (📎 → Location), type the place or a landmark, or tap Skip.
location-skip-btn = Skip
location-received = Location received.

time-prompt = When did it happen?
time-list = Choose
time-section = When
time-today-row = Today
time-yesterday-row = Yesterday
time-earlier-row = Earlier
time-unknown-row = Don't know

summary-prompt = Please check your report:
    District: {$district}
    Police station: {$station}
    Category: {$category}
    Details: {$items}
    Place: {$place}
    When: {$when}

    Send it to the police?
summary-items = { $count ->
    [one] 1 message
   *[other] {$count} messages
}
summary-not-given = not given
summary-given = given
submit-btn = Submit
edit-btn = Edit
cancel-btn = Cancel

edit-prompt = What would you like to change?
edit-list = Choose
edit-section = Change
edit-place-row = District / station
edit-category-row = Category
edit-details-row = Add details
edit-location-row = Place
edit-time-row = Time
edit-back-row = Back to summary

submitted = ✅ Your report has been sent to the police.
    Reference code: {$code}

    To check on it later, send: status {$code}

    For your safety, don't share your name or number in messages, and turn on disappearing messages for this chat (tap the chat name → Disappearing messages).
submit-failed = Sorry, your report could not be saved just now. Please tap Submit again in a minute.

slow-down = You are sending messages very fast. Please wait a minute, then send again; messages sent until then are not read.
too-many-reports = You have already sent { $max } reports today. To keep this line open for everyone, please send this one tomorrow: your report is kept until then.

cancelled = Your draft was discarded. Nothing was sent to the police.
nothing-to-cancel = There is no report in progress.

status-prompt = Please send your reference code (it looks like {$example}).
status-invalid = That doesn't look like a reference code. It looks like {$example}.
status-not-found = No report with code {$code} was found for this WhatsApp number.
status-result = Report {$code}: {$status}
status-received = received, waiting to be reviewed
status-under-review = being looked into by the police
status-action-taken = action has been taken
status-closed = closed

help = You can send these words at any time:
    • menu: main menu
    • cancel: discard the report in progress
    • status CODE: check a report
    • language: change language
    • help: this message

not-understood = Sorry, I didn't understand that.
stale-menu = That menu is out of date. Here is the current one.
unsupported = I can't read that kind of message. Please send text, a voice note, a photo, a video or a document.
media-too-large = That file is too large to receive. Please send a shorter video or a smaller file.
document-warning = Documents can carry your name in their properties. If you can, send a photo or screenshot of the page instead.
media-unsupported = That file could not be added to your report: this kind of file is not accepted. Photos, videos, voice notes, PDFs and Office documents are.
reaction-note = Reactions can't be added to a report.
media-outside-report = To send photos, videos or voice notes, first start a new report.
free-text-kept = I have kept your message for a new report.
draft-expired = Your unfinished report was discarded after 24 hours without activity. You can start again at any time.
resume-draft = You have a report in progress.

kw-greeting = hi, hello, hey, hii, start, namaste, namaskar, salaam, salam
kw-menu = menu, main menu, home
kw-cancel = cancel, stop, discard, abort
kw-help = help, commands
kw-status = status, check
kw-language = language, lang, change language
kw-new = new report, new, report, report crime, complaint
kw-privacy = how am i protected, privacy, anonymity, protected, safe, safety
kw-done = done, finished, finish, that's all, thats all, over, complete
kw-skip = skip, no, none, not sure, no location
kw-submit = submit, send, yes, ok, confirm
kw-edit = edit, change
kw-dont-know = don't know, dont know, do not know, not sure, unknown, no idea
kw-more = more, next
kw-back = back, previous, prev
kw-today = today
kw-yesterday = yesterday
kw-earlier = earlier, before, long ago, some days ago
kw-time-unknown = don't know, dont know, not sure, unknown

# The self-disclosure guard and officers' messages.
guard-warning = ⚠️ That message seems to contain your {$kinds}. The police must not be able to tell who you are: we suggest removing it. You can describe the place and the people involved instead.
guard-kind-phone_number = phone number
guard-kind-aadhaar = Aadhaar number
guard-kind-pan = PAN number
guard-kind-email = e-mail address
guard-kind-name = own name
guard-remove-btn = Remove it
guard-keep-btn = Keep it
guard-removed = That message was removed from your report.
guard-kept = The message stays in your report.
kw-remove = remove, remove it, delete, delete it, drop, remove please, delete that, delete this, yes, yes remove
kw-keep = keep, keep it, no, no keep it, leave it
answer-received = Thank you. Your answer was added to report {$code}. You can send more (text, photo, voice), or send "menu".
officer-feedback = Update on your report {$code} from the police: {$note}
officer-question = The police have a question about your report {$code}: {$question}
    Reply here to answer (text, photo or voice). Please do not share your name or number.
status-news = News of your report {$code}: {$status}. Thank you for helping the police.
guard-caption-removed = The words under the photo were removed; the photo stays in your report.
guard-answer-warning = ⚠️ Your answer seems to contain your {$kinds}. The police must not be able to tell who you are. Send it as it is, or not at all (you can write it again without that)?
guard-send-btn = Send as it is
guard-dont-send-btn = Don't send
guard-answer-dropped = Your answer was not sent. You can write it again without the detail that could identify you.
