package score

import "strconv"

// Number words of English and French, with their values; multipliers are handled apart.
var (
	numberUnits = map[string]int{
		"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
		"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
		"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
		"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
		"seventy": 70, "eighty": 80, "ninety": 90,
		"zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7,
		"huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
		"quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
		"cinquante": 50, "soixante": 60,
	}
	numberScales = map[string]int{
		"hundred": 100, "cent": 100, "cents": 100,
		"thousand": 1000, "mille": 1000,
		"million": 1_000_000, "millions": 1_000_000, "billion": 1_000_000_000, "milliard": 1_000_000_000, "milliards": 1_000_000_000,
	}
)

// numbersToDigits rewrites runs of number words as digits: "twenty five" → "25",
// "quatre vingt dix sept" → "97", "two thousand and six" → "2006". A run that cannot continue
// a number ("nineteen eighty") starts a new one, so years read in pairs become two numbers.
func numbersToDigits(words []string) []string {
	out := make([]string, 0, len(words))
	total, cur, inNum := 0, 0, false
	flush := func() {
		if inNum {
			out = append(out, strconv.Itoa(total+cur))
		}
		total, cur, inNum = 0, 0, false
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if (w == "and" || w == "et") && inNum && i+1 < len(words) {
			if _, ok := numberUnits[words[i+1]]; ok && cur%10 == 0 {
				continue // "hundred and five", "vingt et un"
			}
		}
		if v, ok := numberUnits[w]; ok {
			switch {
			case !inNum:
				cur, inNum = v, true
			case cur == 0 && total > 0, cur%100 == 0 && cur > 0 && v < 100:
				cur += v
			case cur == 4 && v == 20: // quatre-vingt(s)
				cur = 80
			case (cur == 60 || cur == 80) && v >= 10 && v < 20: // soixante-dix, quatre-vingt-dix
				cur += v
			case cur%100 >= 20 && cur%10 == 0 && v < 10:
				cur += v
			case (cur == 10 || cur == 70 || cur == 90) && v >= 7 && v <= 9: // dix-sept, soixante-dix-huit
				cur += v
			default:
				flush()
				cur, inNum = v, true
			}
			continue
		}
		if s, ok := numberScales[w]; ok && (inNum || s == 100 || s == 1000) {
			if !inNum {
				cur, inNum = 1, true // "cent", "mille"
			}
			if cur == 0 {
				cur = 1
			}
			if s == 100 {
				cur *= 100
			} else {
				total += cur * s
				cur = 0
			}
			continue
		}
		flush()
		out = append(out, w)
	}
	flush()
	return out
}
