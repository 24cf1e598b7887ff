package data

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// slowFeatToken is what ReadFeat did before scanFeatToken: the next field
// of s, parsed by parseFeatToken.
func slowFeatToken(s []byte, v int) (id, count int, msg string, rest []byte) {
	tok, rest := nextField(s)
	id, count, msg = parseFeatToken(tok, v)
	return id, count, msg, rest
}

// checkScanFeatToken fails t if scanFeatToken's answer for s differs from
// the slow path's, or if it leaves to the slow path a token it must take.
func checkScanFeatToken(t *testing.T, s string, v int, mustTake bool) {
	t.Helper()
	id, count, n := scanFeatToken([]byte(s), v)
	wid, wcount, msg, rest := slowFeatToken([]byte(s), v)
	if n == 0 {
		if mustTake {
			t.Errorf("%q (V=%d): left to the slow path", s, v)
		}
		return
	}
	if msg != "" || id != wid || count != wcount || !bytes.Equal([]byte(s[n:]), rest) {
		t.Errorf("%q (V=%d): fast path %d:%d, rest %q; slow path %d:%d %q, rest %q", s, v, id, count, s[n:], wid, wcount, msg, rest)
	}
}

// TestScanFeatToken holds the fast path of ReadFeat's tokens to the slow
// one on tokens of every kind: it must give the same id, count and rest
// whenever it answers, and it must answer for the ordinary tokens.
func TestScanFeatToken(t *testing.T) {
	for _, tc := range []struct {
		s    string
		v    int
		take bool // an ordinary token, which the fast path must take
	}{
		{"1:1", 0, true}, {"12:3", 0, true}, {" 12:3 5:1", 0, true}, {"\t7:2\r", 0, true},
		{"1995:1", 1995, true}, {"1996:1", 1995, false}, {"0:1", 0, false}, {"3:0", 0, false},
		{"007:02", 0, true}, {"+3:1", 0, false}, {"3:+1", 0, false}, {"-3:1", 0, false},
		{"3:", 0, false}, {":3", 0, false}, {"3", 0, false}, {"3:1x", 0, false}, {"3:1:2", 0, false},
		{"3x:1", 0, false}, {"", 0, false}, {"   ", 0, false}, {"3::1", 0, false},
		{"123456789012345678:1", 0, true}, {"1234567890123456789:1", 0, false},
		{"1:123456789012345678", 0, true}, {"1:99999999999999999999", 0, false},
		{"1:9223372036854775807", 0, false}, {"9223372036854775808:1", 0, false},
		{"18446744073709551617:1", 0, false}, {"1:18446744073709551617", 0, false}, // 2⁶⁴+1 wraps to 1
		{"1:1\x00", 0, false}, {"1:1\u00a0", 0, false}, {"٣:1", 0, false},
	} {
		checkScanFeatToken(t, tc.s, tc.v, tc.take)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789:: +-\tx"
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		checkScanFeatToken(t, b.String(), rng.IntN(3)*50, false)
	}
}

func FuzzScanFeatToken(f *testing.F) {
	for _, s := range []string{"1:1", " 12:3 5:1", "+3:1", "3:1x", "1:99999999999999999999"} {
		f.Add(s, 0)
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, v int) {
		checkScanFeatToken(t, s, max(v, 0), false)
	})
}

// TestIDSetSort holds the bitmap sort to slices.Sort on shuffled distinct
// ids over ranges narrow and wide, and checks that it refuses repeated ids
// and ranges too wide for it, and that one idSet sorts document after
// document (its bitmap is left clear).
func TestIDSetSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s idSet
	took := 0
	for trial := range 2000 {
		n := 1 + rng.IntN(80)
		lo := rng.IntN(100)
		span := n + rng.IntN([]int{1, 100, 5000, 2 * maxIDSpan}[trial%4])
		ids := rng.Perm(span)[:n]
		for i := range ids {
			ids[i] += lo
		}
		dup := n > 1 && trial%5 == 0
		if dup {
			ids[rng.IntN(n)] = ids[rng.IntN(n)]
		}
		es := make([]entry, n)
		for i, id := range ids {
			es[i] = entry{id: id, count: 1 + id%7, line: i}
		}
		d := Document{Words: make([]int, n), Counts: make([]int, n)}
		ok := s.sort(d, es, slices.Min(ids), slices.Max(ids))
		width := slices.Max(ids) - slices.Min(ids) + 1
		fits := width <= maxIDSpan && width <= 64*n
		distinct := len(slices.Compact(slices.Sorted(slices.Values(ids)))) == n
		if ok != (fits && distinct) {
			t.Fatalf("trial %d: sort returned %t for %d ids over %d (distinct %t)", trial, ok, n, width, distinct)
		}
		if !ok {
			continue
		}
		took++
		want := slices.Sorted(slices.Values(ids))
		for i, w := range want {
			if d.Words[i] != w || d.Counts[i] != 1+w%7 {
				t.Fatalf("trial %d: got %v %v, want words %v", trial, d.Words, d.Counts, want)
			}
		}
	}
	if took < 500 {
		t.Errorf("the bitmap sorted only %d of 2000 documents", took)
	}
}

// TestReadFeatUnsorted reads documents with ids in any order, through the
// bitmap sort and the comparison sort, and a repeated id through each.
func TestReadFeatUnsorted(t *testing.T) {
	in := "1 5:1 3:2 9:3\n" + // bitmap
		"2 9:1 1:1\n" + // bitmap
		"3 70000:1 2:4 1:3\n" + // too wide for the bitmap
		"4 3:1 2:2 3:5\n" // a repeated id
	_, err := ReadFeat(strings.NewReader(in), "u.feat", FeatOptions{})
	checkParseError(t, err, "u.feat", 4, "duplicate id 3")
	c, err := ReadFeat(strings.NewReader(in[:strings.LastIndex(in, "4 ")]), "u.feat", FeatOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{doc(2, 2, 4, 1, 8, 3), doc(0, 1, 8, 1), doc(0, 3, 1, 4, 69999, 1)}
	if !docsEqual(c.Docs, want) {
		t.Errorf("got %v, want %v", c.Docs, want)
	}
	_, err = ReadFeat(strings.NewReader("1 1:1\n2 70000:1 5:1 70000:2\n"), "u.feat", FeatOptions{})
	checkParseError(t, err, "u.feat", 2, "duplicate id 70000")
}
