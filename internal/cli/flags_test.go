package cli

import (
	"bytes"
	"errors"
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

func newTestSet(out *bytes.Buffer) *FlagSet {
	fs := NewFlagSet("cmd", "-in FILE [flags]", "Does a thing.", out)
	fs.Group(GroupData)
	fs.String("in", "", "input `FILE`")
	fs.Group(GroupModel)
	fs.Int("K", 50, "factors")
	fs.Group(GroupOutput)
	fs.String("out", "", "output folder")
	fs.Group(GroupData) // again: adds to data, which stays first
	fs.String("format", "feat", "format")
	return fs
}

func TestUsageGroupsFlags(t *testing.T) {
	var out bytes.Buffer
	fs := newTestSet(&out)
	if err := fs.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "usage: cmd -in FILE [flags]\n\nDoes a thing.\n") {
		t.Errorf("usage does not start with the usage line and description:\n%s", got)
	}
	// Groups in the order they were first named, general last; each flag
	// under its group.
	order := []string{"\ndata:\n", "-format", "-in FILE", "\nmodel:\n", "-K int", "\noutput:\n", "-out", "\ngeneral:\n", "-version"}
	at := 0
	for _, w := range order {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("usage lacks %q after offset %d:\n%s", w, at, got)
		}
		at += i + len(w)
	}
	if !strings.Contains(got, `(default "feat")`) || !strings.Contains(got, "(default 50)") {
		t.Errorf("usage lacks the defaults:\n%s", got)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string // "" for success, "help" for flag.ErrHelp
		wantOut string
	}{
		{[]string{"-in", "x", "-K", "3"}, "", ""},
		{[]string{"-in", "x", "stray"}, `unexpected argument "stray"`, ""},
		{[]string{"stray", "-K", "3"}, `unexpected argument "stray"`, ""},
		{[]string{"-nope"}, "flag provided but not defined: -nope (cmd -h lists the flags)", ""},
		{[]string{"-K", "x"}, `invalid value "x" for flag -K`, ""},
		{[]string{"-version"}, "help", "cmd github.com/"},
	} {
		var out bytes.Buffer
		err := newTestSet(&out).Parse(tc.args)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.wantErr == "help" && !errors.Is(err, flag.ErrHelp):
			t.Errorf("%q: %v, want flag.ErrHelp", tc.args, err)
		case tc.wantErr != "" && tc.wantErr != "help" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.wantErr)
		}
		if !strings.Contains(out.String(), tc.wantOut) {
			t.Errorf("%q: output %q, want it to contain %q", tc.args, out.String(), tc.wantOut)
		}
	}
}

func TestDescribeBuild(t *testing.T) {
	base := debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/amvi/amvi", Version: "(devel)"}}
	withVCS := base
	withVCS.Settings = []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-12-01T22:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}
	tagged := base
	tagged.Main.Version = "v1.2.3"
	tagged.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "false"}}
	for _, tc := range []struct {
		bi          debug.BuildInfo
		want, never string
	}{
		{base, "github.com/amvi/amvi (devel), revision unknown (built without VCS information", "local changes"},
		{withVCS, "github.com/amvi/amvi (devel), revision 0123abcd (2026-12-01T22:00:00Z) with local changes, go1.26.8", "unknown"},
		{tagged, "github.com/amvi/amvi v1.2.3, revision 0123abcd, go1.26.8", "local changes"},
	} {
		got := describeBuild(&tc.bi)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.never) {
			t.Errorf("describeBuild = %q, want it to contain %q and not %q", got, tc.want, tc.never)
		}
	}
	if v := Version(); !strings.Contains(v, "go1.") {
		t.Errorf("Version() = %q, lacks the Go version", v)
	}
}

type shade int

func (s shade) MarshalText() ([]byte, error) {
	if s < 0 || s > 2 {
		return nil, errors.New("no such shade")
	}
	return []byte([]string{"light", "mid", "dark"}[s]), nil
}

func TestChoices(t *testing.T) {
	if got := Choices[shade](); got != "light|mid|dark" {
		t.Errorf("Choices = %q", got)
	}
}
