# Satark bot messages: Urdu (اردو).
# Every key here must exist in en.ftl and hi.ftl too (a test checks).
# Limits from WhatsApp: keys ending in -btn are reply-button titles (at most 20 characters);
# keys ending in -row are list-row titles (at most 24); -desc are row descriptions (at most 72);
# -list are list-menu button labels (at most 20); -section are list section titles (at most 24).
# Keys starting with kw- are comma-separated words a citizen may type instead of tapping;
# words from every language are accepted whatever language is chosen.
# Right-to-left text: arrows in instructions point left (←), the reading direction.

language-name = اردو
language-prompt = سترک میں خوش آمدید۔ یہاں آپ {$range} پولیس کو نام بتائے بغیر اطلاع دے سکتے ہیں۔ اپنی زبان چنیں:
language-set = زبان: اردو۔

menu-prompt = آپ کیا کرنا چاہتے ہیں؟
    آپ کی پہچان محفوظ ہے: پولیس آپ کا نمبر یا نام نہیں دیکھ سکتی۔
menu-new-btn = نئی رپورٹ
menu-status-btn = رپورٹ کی صورتحال
menu-privacy-btn = میری حفاظت کیسے؟
menu-prefill = پوسٹر والا تھانہ: {$station}، {$district}۔

privacy-info = آپ کی حفاظت ایسے ہوتی ہے:
    • پولیس کو آپ کا فون نمبر یا واٹس ایپ نام کبھی نہیں ملتا۔ افسر صرف رپورٹ اور ایک رپورٹ کوڈ دیکھتے ہیں۔
    • آپ کا نمبر صرف تالے میں بند (انکرپٹڈ) شکل میں رکھا جاتا ہے، تاکہ ہم آپ کو بتا سکیں کہ کیا کارروائی ہوئی۔ پولیس کے سسٹم اسے کھول نہیں سکتے۔
    • آپ کی فوٹو اور ویڈیو سے لوکیشن اور فون کی معلومات کسی کے دیکھنے سے پہلے ہی ہٹا دی جاتی ہیں۔
    • رپورٹ میں اپنا نام، پتہ یا فون نمبر نہ لکھیں۔
    • اور زیادہ حفاظت کے لیے اس چیٹ میں "غائب ہونے والے پیغامات" (Disappearing messages) آن کر لیں۔

district-prompt = یہ کس ضلع میں ہوا؟
district-list = ضلع چنیں
district-section = اضلاع
district-not-found = یہ ضلع نہیں ملا۔ براہ کرم لسٹ میں سے ایک چنیں۔

station-prompt = {$district} میں کس تھانے کے علاقے میں ہوا؟ لسٹ سے چنیں، یا تھانے کا نام لکھیں۔
station-list = تھانہ چنیں
station-section = تھانے
station-dont-know-row = معلوم نہیں
station-dont-know-desc = پولیس خود پتہ کر لے گی
station-not-found = {$district} میں یہ تھانہ نہیں ملا۔ لسٹ میں سے چنیں، یا "معلوم نہیں" چنیں۔
station-ambiguous = اس نام سے کئی تھانے ملے۔ براہ کرم ایک چنیں۔
station-unknown = معلوم نہیں

category-prompt = معاملہ کس بارے میں ہے؟
category-list = قسم چنیں
category-section = معاملے کی قسمیں
category-not-found = سمجھ نہیں آیا کہ یہ کس قسم کا معاملہ ہے۔ براہ کرم لسٹ میں سے ایک چنیں۔

list-more-row = اور دیکھیں ›
list-more-desc = اور اختیارات دیکھیں
list-back-row = ‹ پیچھے
list-back-desc = پچھلے اختیارات
list-page = {$pages} میں سے صفحہ {$page}

details-prompt = بتائیں کیا ہوا۔ آپ لکھ کر، وائس نوٹ، فوٹو، ویڈیو یا ڈاکیومنٹ بھیج سکتے ہیں، جتنے چاہیں اتنے میسج میں۔
    اپنا نام یا فون نمبر نہ لکھیں۔
    جب پورا بتا دیں تو "ہو گیا" دبائیں۔
details-done-btn = ہو گیا
details-received = مل گیا: {$what} (اب تک {$count})۔ اور بھیجیں، یا "ہو گیا" دبائیں۔
details-empty = پہلے کم از کم ایک میسج بھیج کر بتائیں کہ کیا ہوا۔
details-full = ایک رپورٹ میں زیادہ سے زیادہ {$max} چیزیں جڑ سکتی ہیں۔ آگے بڑھنے کے لیے "ہو گیا" دبائیں۔
details-sticker = اسٹیکر رپورٹ میں نہیں جڑ سکتے۔ براہ کرم لکھ کر بتائیں، یا وائس نوٹ، فوٹو یا ویڈیو بھیجیں۔
details-contacts = سب کی حفاظت کے لیے کانٹیکٹ کارڈ نہیں جوڑے جاتے۔ اگر کسی شخص کے بارے میں بتانا ضروری ہے تو لکھ کر بتائیں۔
what-text = میسج
what-voice = وائس نوٹ
what-audio = آڈیو
what-photo = فوٹو
what-video = ویڈیو
what-document = ڈاکیومنٹ
what-location = لوکیشن

location-prompt = یہ کہاں ہوا؟ لوکیشن بھیجیں (📎 ← لوکیشن / Location)، یا جگہ کا نام یا آس پاس کی کوئی پہچان والی جگہ لکھیں، یا "چھوڑیں" دبائیں۔
location-skip-btn = چھوڑیں
location-received = لوکیشن مل گئی۔

time-prompt = یہ کب ہوا؟
time-list = چنیں
time-section = کب
time-today-row = آج
time-yesterday-row = کل
time-earlier-row = اس سے پہلے
time-unknown-row = معلوم نہیں

summary-prompt = براہ کرم اپنی رپورٹ ایک بار دیکھ لیں:
    ضلع: {$district}
    تھانہ: {$station}
    معاملہ: {$category}
    تفصیل: {$items}
    جگہ: {$place}
    کب: {$when}

    کیا اسے پولیس کو بھیج دیں؟
summary-items = { $count ->
    [one] 1 میسج
   *[other] {$count} میسج
}
summary-not-given = نہیں بتایا
summary-given = بتایا گیا
submit-btn = بھیجیں
edit-btn = بدلیں
cancel-btn = منسوخ کریں

edit-prompt = آپ کیا بدلنا چاہتے ہیں؟
edit-list = چنیں
edit-section = بدلیں
edit-place-row = ضلع / تھانہ
edit-category-row = معاملے کی قسم
edit-details-row = اور تفصیل جوڑیں
edit-location-row = جگہ
edit-time-row = وقت
edit-back-row = واپس رپورٹ پر

submitted = ✅ آپ کی رپورٹ پولیس کو بھیج دی گئی ہے۔
    رپورٹ کوڈ: {$code}

    بعد میں حال جاننے کے لیے یہ بھیجیں: status {$code}

    اپنی حفاظت کے لیے میسج میں اپنا نام یا نمبر نہ لکھیں، اور اس چیٹ میں غائب ہونے والے پیغامات آن کر لیں (چیٹ کے نام پر دبائیں ← غائب ہونے والے پیغامات)۔
submit-failed = معاف کیجیے، ابھی آپ کی رپورٹ محفوظ نہیں ہو سکی۔ براہ کرم ایک منٹ بعد پھر سے "بھیجیں" دبائیں۔

slow-down = آپ بہت تیزی سے پیغام بھیج رہے ہیں۔ براہ کرم ایک منٹ رک کر پھر بھیجیں؛ تب تک بھیجے گئے پیغام پڑھے نہیں جائیں گے۔
too-many-reports = آپ آج پہلے ہی { $max } رپورٹیں بھیج چکے ہیں۔ یہ لائن سب کے لیے کھلی رہے، اس لیے براہ کرم یہ رپورٹ کل بھیجیں: تب تک آپ کی رپورٹ محفوظ رہے گی۔

cancelled = آپ کی ادھوری رپورٹ ہٹا دی گئی۔ پولیس کو کچھ نہیں بھیجا گیا۔
nothing-to-cancel = ابھی کوئی رپورٹ جاری نہیں ہے۔

status-prompt = براہ کرم اپنا رپورٹ کوڈ بھیجیں (یہ ایسا ہوتا ہے: {$example})۔
status-invalid = یہ رپورٹ کوڈ جیسا نہیں لگ رہا۔ کوڈ ایسا ہوتا ہے: {$example}
status-not-found = اس واٹس ایپ نمبر سے کوڈ {$code} والی کوئی رپورٹ نہیں ملی۔
status-result = رپورٹ {$code}: {$status}
status-received = مل گئی ہے، دیکھے جانے کا انتظار ہے
status-under-review = پولیس اس کی جانچ کر رہی ہے
status-action-taken = کارروائی کی گئی ہے
status-closed = بند کر دی گئی ہے

help = آپ کبھی بھی یہ الفاظ بھیج سکتے ہیں:
    • مینو (menu): مین مینو
    • منسوخ (cancel): جاری رپورٹ ہٹائیں
    • صورتحال CODE / status CODE: رپورٹ کا حال دیکھیں
    • زبان (language): زبان بدلیں
    • مدد (help): یہی میسج

not-understood = معاف کیجیے، یہ سمجھ نہیں آیا۔
stale-menu = یہ مینو پرانا ہو گیا ہے۔ یہ رہا نیا مینو۔
unsupported = اس طرح کا میسج یہاں پڑھا نہیں جا سکتا۔ براہ کرم لکھ کر بتائیں، یا وائس نوٹ، فوٹو، ویڈیو یا ڈاکیومنٹ بھیجیں۔
media-too-large = یہ فائل بہت بڑی ہے، یہاں نہیں آ سکتی۔ براہ کرم چھوٹی ویڈیو یا چھوٹی فائل بھیجیں۔
document-warning = دستاویز (فائل) کی معلومات میں آپ کا نام چھپا ہو سکتا ہے۔ ہو سکے تو اس کی تصویر یا اسکرین شاٹ بھیجیں۔
media-unsupported = یہ فائل آپ کی رپورٹ میں شامل نہیں ہو سکی: اس قسم کی فائل قبول نہیں ہے۔ تصویر، ویڈیو، وائس میسج، PDF اور Office فائلیں بھیج سکتے ہیں۔
reaction-note = ری ایکشن (ایموجی) رپورٹ میں نہیں جڑ سکتے۔
media-outside-report = فوٹو، ویڈیو یا وائس نوٹ بھیجنے کے لیے پہلے نئی رپورٹ شروع کریں۔
free-text-kept = آپ کا میسج نئی رپورٹ کے لیے رکھ لیا گیا ہے۔
draft-expired = آپ کی ادھوری رپورٹ 24 گھنٹے تک کچھ نہ ہونے پر ہٹا دی گئی۔ آپ کبھی بھی دوبارہ شروع کر سکتے ہیں۔
resume-draft = آپ کی ایک رپورٹ ابھی ادھوری ہے۔

kw-greeting = السلام علیکم, السلام و علیکم, اسلام علیکم, سلام, آداب, ہیلو, assalam o alaikum, assalamualaikum, assalam alaikum, aoa, salam, adab
kw-menu = مینو, مین مینو
kw-cancel = منسوخ, منسوخ کریں, کینسل, بند کرو, رہنے دو, mansookh, cancel karo, band karo, rehne do
kw-help = مدد, مدد کریں, madad
kw-status = صورتحال, صورت حال, رپورٹ کی صورتحال, اسٹیٹس
kw-language = زبان, زبان بدلیں, زبان بدلو, zaban, zuban, zubaan, zaban badlo
kw-new = نئی رپورٹ, نیا, رپورٹ, شکایت, اطلاع, nayi report, naya, shikayat, ittela
kw-privacy = حفاظت, میری حفاظت, میری حفاظت کیسے, پہچان, رازداری, محفوظ, hifazat, mehfooz, razdari
kw-done = ہو گیا, بس, ختم, مکمل, بس اتنا ہی, ho gaya, bas, khatam, mukammal
kw-skip = چھوڑیں, چھوڑو, چھوڑ دو, نہیں, کوئی نہیں, یقین نہیں, لوکیشن نہیں, chhodo, chhod do, nahi, nahin, koi nahi, yaqeen nahi, location nahi
kw-submit = بھیجیں, بھیجو, بھیج دو, ہاں, جی ہاں, ٹھیک ہے, bhejo, bhej do, haan, ji haan, theek hai
kw-edit = بدلیں, بدلو, تبدیل, تبدیل کریں, badlo, tabdeel
kw-dont-know = معلوم نہیں, نہیں معلوم, پتہ نہیں, یقین نہیں, malum nahi, maloom nahi, pata nahi, yaqeen nahi
kw-more = اور, مزید, اگلا, اور دکھائیں, aur, mazeed, agla
kw-back = پیچھے, واپس, پچھلا, peeche, wapas, pichhla
kw-today = آج, آج ہی, آج صبح, aaj, aaj subah
kw-yesterday = کل, کل رات, kal, kal raat
kw-earlier = پہلے, بہت پہلے, کچھ دن پہلے, پرسوں, pehle, bohat pehle, kuch din pehle, parson
kw-time-unknown = معلوم نہیں, نہیں معلوم, پتہ نہیں, یاد نہیں, یقین نہیں, malum nahi, pata nahi, yaad nahi, yaqeen nahi

# اپنی شناخت ظاہر ہونے کی تنبیہ اور پولیس کے پیغامات۔
guard-warning = ⚠️ اس پیغام میں آپ کا {$kinds} لگتا ہے۔ پولیس کو یہ پتہ نہیں چلنا چاہیے کہ آپ کون ہیں: ہمارا مشورہ ہے کہ اسے ہٹا دیں۔ اس کے بجائے جگہ اور شامل لوگوں کے بارے میں بتائیں۔
guard-kind-phone_number = فون نمبر
guard-kind-aadhaar = آدھار نمبر
guard-kind-pan = پین نمبر
guard-kind-email = ای میل پتہ
guard-kind-name = اپنا نام
guard-remove-btn = ہٹا دیں
guard-keep-btn = رہنے دیں
guard-removed = وہ پیغام آپ کی رپورٹ سے ہٹا دیا گیا۔
guard-kept = پیغام آپ کی رپورٹ میں رہے گا۔
kw-remove = ہٹاؤ, ہٹا دو, ہٹا دیں, مٹاؤ, hatao, hata do, remove, ہٹا دیجیے, مٹا دو, mita do, ہاں, haan
kw-keep = رکھو, رہنے دو, رہنے دیں, rakho, rehne do, keep, نہیں, nahi, rehne dijiye
answer-received = شکریہ۔ آپ کا جواب رپورٹ {$code} میں شامل کر دیا گیا۔ آپ اور بھی بھیج سکتے ہیں (لکھ کر، تصویر، آواز)، یا "مینو" بھیجیں۔
officer-feedback = آپ کی رپورٹ {$code} پر پولیس کی اطلاع: {$note}
officer-question = آپ کی رپورٹ {$code} کے بارے میں پولیس کا ایک سوال ہے: {$question}
    جواب دینے کے لیے یہیں لکھیں (لکھ کر، تصویر یا آواز)۔ براہ کرم اپنا نام یا نمبر نہ بتائیں۔
status-news = آپ کی رپورٹ {$code} کی خبر: {$status}۔ پولیس کی مدد کا شکریہ۔
guard-caption-removed = تصویر کے نیچے لکھے الفاظ ہٹا دیے گئے؛ تصویر آپ کی رپورٹ میں رہے گی۔
guard-answer-warning = ⚠️ آپ کے جواب میں آپ کا {$kinds} لگتا ہے۔ پولیس کو یہ پتہ نہیں چلنا چاہیے کہ آپ کون ہیں۔ اسے ایسے ہی بھیجیں، یا بالکل نہ بھیجیں (آپ اسے اس کے بغیر دوبارہ لکھ سکتے ہیں)؟
guard-send-btn = ایسے ہی بھیجیں
guard-dont-send-btn = نہ بھیجیں
guard-answer-dropped = آپ کا جواب نہیں بھیجا گیا۔ آپ اسے شناخت ظاہر کرنے والی بات کے بغیر دوبارہ لکھ سکتے ہیں۔
