package backbone

import "strings"

// iso639_1 lists the two-letter ISO 639-1 language codes a device may use
// as its communication language.
var iso639_1 = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo " +
		"lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps " +
		"pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn " +
		"to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// validLanguage reports whether code is a lower-case ISO 639-1 code.
func validLanguage(code string) bool { return iso639_1[code] }

func checkCommunicationLanguage(code string) error {
	if !validLanguage(code) {
		return invalid(CodeInvalidDeviceCommunicationLanguage, "The given language is not a valid ISO 639-1 language code.")
	}
	return nil
}
