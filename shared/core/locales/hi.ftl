# Satark bot messages: Hindi (हिन्दी).
# Every key here must exist in en.ftl and ur.ftl too (a test checks).
# Limits from WhatsApp: keys ending in -btn are reply-button titles (at most 20 characters);
# keys ending in -row are list-row titles (at most 24); -desc are row descriptions (at most 72);
# -list are list-menu button labels (at most 20); -section are list section titles (at most 24).
# Keys starting with kw- are comma-separated words a citizen may type instead of tapping;
# words from every language are accepted whatever language is chosen.

language-name = हिन्दी
language-prompt = सतर्क में आपका स्वागत है। यहाँ आप {$range} पुलिस को बिना नाम बताए सूचना दे सकते हैं। अपनी भाषा चुनें:
language-set = भाषा: हिन्दी।

menu-prompt = आप क्या करना चाहते हैं?
    आपकी पहचान सुरक्षित है: पुलिस आपका नंबर या नाम नहीं देख सकती।
menu-new-btn = नई रिपोर्ट
menu-status-btn = रिपोर्ट की स्थिति
menu-privacy-btn = मेरी सुरक्षा कैसे?
menu-prefill = पोस्टर वाला थाना: {$station}, {$district}।

privacy-info = आपकी सुरक्षा ऐसे होती है:
    • पुलिस को आपका फोन नंबर या WhatsApp नाम कभी नहीं मिलता। अफसर सिर्फ रिपोर्ट और एक रिपोर्ट कोड देखते हैं।
    • आपका नंबर सिर्फ ताले में बंद (एन्क्रिप्टेड) रूप में रखा जाता है, ताकि हम आपको बता सकें कि क्या कार्रवाई हुई। पुलिस के सिस्टम इसे खोल नहीं सकते।
    • आपकी फोटो और वीडियो से लोकेशन और फोन की जानकारी किसी के देखने से पहले ही हटा दी जाती है।
    • रिपोर्ट में अपना नाम, पता या फोन नंबर न लिखें।
    • और ज्यादा सुरक्षा के लिए, इस चैट में "गायब होने वाले मैसेज" (Disappearing messages) चालू कर लें।

district-prompt = यह किस जिले में हुआ?
district-list = जिला चुनें
district-section = जिले
district-not-found = यह जिला नहीं मिला। कृपया लिस्ट में से एक चुनें।

station-prompt = {$district} में किस थाने के इलाके में हुआ? लिस्ट से चुनें, या थाने का नाम लिखें।
station-list = थाना चुनें
station-section = थाने
station-dont-know-row = पता नहीं
station-dont-know-desc = पुलिस खुद पता कर लेगी
station-not-found = {$district} में यह थाना नहीं मिला। लिस्ट में से चुनें, या "पता नहीं" चुनें।
station-ambiguous = इस नाम से कई थाने मिले। कृपया एक चुनें।
station-unknown = पता नहीं

category-prompt = मामला किस बारे में है?
category-list = मामला चुनें
category-section = मामले के प्रकार
category-not-found = समझ नहीं आया कि यह किस तरह का मामला है। कृपया लिस्ट में से एक चुनें।

list-more-row = और देखें ›
list-more-desc = और विकल्प देखें
list-back-row = ‹ पीछे
list-back-desc = पिछले विकल्प
list-page = पेज {$page}, कुल {$pages}

details-prompt = बताइए क्या हुआ। आप लिखकर, वॉइस नोट, फोटो, वीडियो या डॉक्यूमेंट भेज सकते हैं, जितने चाहें उतने मैसेज में।
    अपना नाम या फोन नंबर न लिखें।
    जब पूरा बता दें, तो "हो गया" दबाएँ।
details-done-btn = हो गया
details-received = मिल गया: {$what} (अब तक {$count})। और भेजें, या "हो गया" दबाएँ।
details-empty = पहले कम से कम एक मैसेज भेजकर बताएँ कि क्या हुआ।
details-full = एक रिपोर्ट में ज्यादा से ज्यादा {$max} चीजें जुड़ सकती हैं। आगे बढ़ने के लिए "हो गया" दबाएँ।
details-sticker = स्टिकर रिपोर्ट में नहीं जुड़ सकते। कृपया लिखकर बताएँ, या वॉइस नोट, फोटो या वीडियो भेजें।
details-contacts = सबकी सुरक्षा के लिए, कॉन्टैक्ट कार्ड नहीं जोड़े जाते। अगर किसी व्यक्ति के बारे में बताना जरूरी है, तो लिखकर बताएँ।
what-text = मैसेज
what-voice = वॉइस नोट
what-audio = ऑडियो
what-photo = फोटो
what-video = वीडियो
what-document = डॉक्यूमेंट
what-location = लोकेशन

location-prompt = यह कहाँ हुआ? लोकेशन भेजें (📎 → लोकेशन / Location), या जगह का नाम या आसपास की कोई पहचान वाली जगह लिखें, या "छोड़ें" दबाएँ।
location-skip-btn = छोड़ें
location-received = लोकेशन मिल गई।

time-prompt = यह कब हुआ?
time-list = चुनें
time-section = कब
time-today-row = आज
time-yesterday-row = कल
time-earlier-row = इससे पहले
time-unknown-row = पता नहीं

summary-prompt = कृपया अपनी रिपोर्ट एक बार देख लें:
    जिला: {$district}
    थाना: {$station}
    मामला: {$category}
    जानकारी: {$items}
    जगह: {$place}
    कब: {$when}

    क्या इसे पुलिस को भेज दें?
summary-items = { $count ->
    [one] 1 मैसेज
   *[other] {$count} मैसेज
}
summary-not-given = नहीं बताया
summary-given = बताया गया
submit-btn = भेजें
edit-btn = बदलें
cancel-btn = रद्द करें

edit-prompt = आप क्या बदलना चाहते हैं?
edit-list = चुनें
edit-section = बदलें
edit-place-row = जिला / थाना
edit-category-row = मामले का प्रकार
edit-details-row = और जानकारी जोड़ें
edit-location-row = जगह
edit-time-row = समय
edit-back-row = वापस रिपोर्ट पर

submitted = ✅ आपकी रिपोर्ट पुलिस को भेज दी गई है।
    रिपोर्ट कोड: {$code}

    बाद में रिपोर्ट का हाल जानने के लिए यह भेजें: status {$code}

    अपनी सुरक्षा के लिए, मैसेज में अपना नाम या नंबर न लिखें, और इस चैट में गायब होने वाले मैसेज चालू कर लें (चैट के नाम पर दबाएँ → गायब होने वाले मैसेज)।
submit-failed = माफ कीजिए, अभी आपकी रिपोर्ट सेव नहीं हो पाई। कृपया एक मिनट बाद फिर से "भेजें" दबाएँ।

slow-down = आप बहुत तेज़ी से मैसेज भेज रहे हैं। कृपया एक मिनट रुककर फिर से भेजें; तब तक भेजे गए मैसेज पढ़े नहीं जाएँगे।
too-many-reports = आप आज पहले ही { $max } रिपोर्ट भेज चुके हैं। यह लाइन सबके लिए खुली रहे, इसलिए कृपया यह रिपोर्ट कल भेजें: तब तक आपकी रिपोर्ट सुरक्षित रहेगी।

cancelled = आपकी अधूरी रिपोर्ट हटा दी गई। पुलिस को कुछ नहीं भेजा गया।
nothing-to-cancel = अभी कोई रिपोर्ट चालू नहीं है।

status-prompt = कृपया अपना रिपोर्ट कोड भेजें (यह ऐसा होता है: {$example})।
status-invalid = यह रिपोर्ट कोड जैसा नहीं लग रहा। कोड ऐसा होता है: {$example}
status-not-found = इस WhatsApp नंबर से कोड {$code} वाली कोई रिपोर्ट नहीं मिली।
status-result = रिपोर्ट {$code}: {$status}
status-received = मिल गई है, देखे जाने का इंतजार है
status-under-review = पुलिस इसकी जाँच कर रही है
status-action-taken = कार्रवाई की गई है
status-closed = बंद कर दी गई है

help = आप कभी भी ये शब्द भेज सकते हैं:
    • मेनू (menu): मुख्य मेनू
    • रद्द (cancel): चालू रिपोर्ट हटाएँ
    • स्थिति CODE / status CODE: रिपोर्ट की स्थिति देखें
    • भाषा (language): भाषा बदलें
    • मदद (help): यही मैसेज

not-understood = माफ कीजिए, यह समझ नहीं आया।
stale-menu = यह मेनू पुराना हो गया है। यह रहा नया मेनू।
unsupported = इस तरह का मैसेज यहाँ नहीं पढ़ा जा सकता। कृपया लिखकर बताएँ, या वॉइस नोट, फोटो, वीडियो या डॉक्यूमेंट भेजें।
media-too-large = यह फाइल बहुत बड़ी है, यहाँ नहीं आ सकती। कृपया छोटा वीडियो या छोटी फाइल भेजें।
document-warning = दस्तावेज़ (फाइल) की जानकारी में आपका नाम छिपा हो सकता है। हो सके तो उसकी फोटो या स्क्रीनशॉट भेजें।
media-unsupported = यह फाइल आपकी रिपोर्ट में नहीं जुड़ सकी: इस तरह की फाइल नहीं ली जाती। फोटो, वीडियो, वॉइस मैसेज, PDF और Office फाइलें भेज सकते हैं।
reaction-note = रिएक्शन (इमोजी) रिपोर्ट में नहीं जुड़ सकते।
media-outside-report = फोटो, वीडियो या वॉइस नोट भेजने के लिए पहले नई रिपोर्ट शुरू करें।
free-text-kept = आपका मैसेज नई रिपोर्ट के लिए रख लिया गया है।
draft-expired = 24 घंटे तक कुछ न होने पर आपकी अधूरी रिपोर्ट हटा दी गई। आप कभी भी फिर से शुरू कर सकते हैं।
resume-draft = आपकी एक रिपोर्ट अभी अधूरी है।

kw-greeting = नमस्ते, नमस्कार, प्रणाम, हेलो, हैलो, हाय, राम राम, जय हिंद, namaste, namaskar, pranam, ram ram, jai hind
kw-menu = मेनू, मेन्यू, मेनु, मुख्य मेनू
kw-cancel = रद्द, रद्द करें, रद्द करो, कैंसल, कैंसिल, बंद करो, रहने दो, radd, radd karo, cancel karo, band karo, rehne do, rahne do
kw-help = मदद, मदद करो, सहायता, हेल्प, madad, madad karo, sahayata, help karo
kw-status = स्थिति, रिपोर्ट की स्थिति, स्टेटस, sthiti, stithi, report ki sthiti
kw-language = भाषा, भाषा बदलें, भाषा बदलो, bhasha, bhasha badlo
kw-new = नई रिपोर्ट, नया, रिपोर्ट, रिपोर्ट करें, शिकायत, सूचना, nayi report, nai report, naya, shikayat, suchna
kw-privacy = सुरक्षा, मेरी सुरक्षा, मेरी सुरक्षा कैसे, पहचान, गोपनीयता, मैं कैसे सुरक्षित हूँ, suraksha, surakshit, pehchan, gopniyata
kw-done = हो गया, बस, खत्म, पूरा हुआ, इतना ही, ho gaya, hogaya, ho gya, bas, khatam, khatm
kw-skip = छोड़ें, छोड़ो, छोड़ दो, नहीं, कोई नहीं, पक्का नहीं, लोकेशन नहीं, chhodo, chodo, chhod do, nahi, nahin, koi nahi, pakka nahi, location nahi
kw-submit = भेजें, भेजो, भेज दो, हाँ, हां, ठीक है, bhejo, bhej do, haan, han, theek hai, thik hai
kw-edit = बदलें, बदलो, बदलना है, सुधारें, badlo, badalna, sudharo
kw-dont-know = पता नहीं, नहीं पता, मालूम नहीं, पक्का नहीं, pata nahi, pata nahin, nahi pata, malum nahi, pakka nahi
kw-more = और, और दिखाओ, आगे, अगला, aur, aur dikhao, aage, agla
kw-back = पीछे, वापस, पिछला, peeche, piche, wapas, vapas, pichhla
kw-today = आज, आज ही, आज सुबह, aaj, aaj hi, aaj subah
kw-yesterday = कल, कल रात, kal, kal raat
kw-earlier = पहले, बहुत पहले, कुछ दिन पहले, परसों, pehle, pahle, bahut pehle, kuch din pehle, parso, parson
kw-time-unknown = पता नहीं, नहीं पता, याद नहीं, पक्का नहीं, pata nahi, nahi pata, yaad nahi, pakka nahi

# आत्म-पहचान चेतावनी और पुलिस के संदेश।
guard-warning = ⚠️ इस संदेश में आपका {$kinds} लगता है। पुलिस को यह पता नहीं चलना चाहिए कि आप कौन हैं: हमारी सलाह है कि इसे हटा दें। इसके बजाय जगह और शामिल लोगों के बारे में बताएँ।
guard-kind-phone_number = फ़ोन नंबर
guard-kind-aadhaar = आधार नंबर
guard-kind-pan = पैन नंबर
guard-kind-email = ई-मेल पता
guard-kind-name = अपना नाम
guard-remove-btn = हटा दें
guard-keep-btn = रहने दें
guard-removed = वह संदेश आपकी रिपोर्ट से हटा दिया गया।
guard-kept = संदेश आपकी रिपोर्ट में रहेगा।
kw-remove = हटाओ, हटा दो, हटा दें, मिटाओ, hatao, hata do, mitao, remove, हटा दीजिए, मिटा दो, mita do, hata dijiye, हाँ, हां, haan, han
kw-keep = रखो, रहने दो, रहने दें, रख लो, rakho, rehne do, rahne do, rakh lo, keep, नहीं, nahi, nahin, rehne dijiye
answer-received = धन्यवाद। आपका जवाब रिपोर्ट {$code} में जोड़ दिया गया। आप और भी भेज सकते हैं (लिखकर, फोटो, आवाज़), या "मेनू" भेजें।
officer-feedback = आपकी रिपोर्ट {$code} पर पुलिस की जानकारी: {$note}
officer-question = आपकी रिपोर्ट {$code} के बारे में पुलिस का एक सवाल है: {$question}
    जवाब देने के लिए यहीं लिखें (लिखकर, फोटो या आवाज़)। कृपया अपना नाम या नंबर न बताएँ।
status-news = आपकी रिपोर्ट {$code} की खबर: {$status}। पुलिस की मदद के लिए धन्यवाद।
guard-caption-removed = फोटो के नीचे लिखे शब्द हटा दिए गए; फोटो आपकी रिपोर्ट में रहेगी।
guard-answer-warning = ⚠️ आपके जवाब में आपका {$kinds} लगता है। पुलिस को यह पता नहीं चलना चाहिए कि आप कौन हैं। इसे ऐसे ही भेजें, या बिल्कुल न भेजें (आप इसे उसके बिना फिर से लिख सकते हैं)?
guard-send-btn = ऐसे ही भेजें
guard-dont-send-btn = न भेजें
guard-answer-dropped = आपका जवाब नहीं भेजा गया। आप उसे पहचान बताने वाली बात के बिना फिर से लिख सकते हैं।
