package data

import "strings"

// EnglishStopWords is a list of about 175 common English function words,
// in the lower-case form produced by [Tokenize], for use as
// TextOptions.StopWords. It includes the fragments that Tokenize makes of
// contractions, such as "don" and "t" from "don't". Callers should not
// modify it; copy it to make a custom list.
var EnglishStopWords = makeSet(englishStopList)

// englishStopList holds the words of EnglishStopWords, grouped by first letter.
const englishStopList = `
a about above across after again against all also although am among an and
any are as at

be because been before being below between both but by

can cannot could

did do does doing down during

each either even every

few for from further

had has have having he her here hers herself him himself his how however

i if in into is it its itself

just

many may me might more most much must my myself

neither never no nor not now

of off on once only onto or other our ours ourselves out over own

same shall she should since so some still such

than that the their theirs them themselves then there these they this those
though through to too

under until up upon us

very

was we were what when where whether which while who whom why will with
within without would

yet you your yours yourself yourselves

d ll m re s t ve don doesn didn isn aren wasn weren won wouldn shouldn
couldn haven hasn hadn
`

func makeSet(list string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
