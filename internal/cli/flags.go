package cli

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// The flag groups of the commands' -h, in the order they are listed.
// A command uses the ones it has; a group with no flags is not shown.
const (
	GroupData       = "data"
	GroupModel      = "model"
	GroupTraining   = "training"
	GroupEvaluation = "evaluation"
	GroupOutput     = "output"
)

// generalGroup holds -version; it is listed last.
const generalGroup = "general"

// FlagSet is a [flag.FlagSet] for an amvi command. Its -h prints a usage
// line, a short description and the flags by group; it has -version; and its
// Parse refuses arguments that are not flags.
//
// Flags are defined with the embedded FlagSet's methods. Each goes to the
// group named by the last call to Group before it was defined:
//
//	fs := cli.NewFlagSet("train", "[flags]", "Trains a model.", stdout)
//	fs.Group(cli.GroupData)
//	fs.StringVar(&path, "train", "", "training corpus")
//	fs.Group(cli.GroupModel)
//	fs.IntVar(&k, "K", 50, "binary latent factors")
//
// Flags defined before the first Group are listed under "general".
type FlagSet struct {
	*flag.FlagSet
	// Args lets Parse keep the arguments after the flags (eval -merge's
	// files) instead of refusing them.
	KeepArgs     bool
	usage, about string
	stdout       io.Writer
	version      bool
	groups       []flagGroup // in the order of their first Group call; general first
	cur          int         // the group new flags go to
	assigned     map[string]bool
}

type flagGroup struct {
	title string
	names []string
}

// NewFlagSet returns the flag set of the command name. usage follows the
// name on the usage line (for example "-checkpoint FILE -data FILE
// [flags]"), about is a sentence or two on what the command does, and
// stdout receives -h and -version.
func NewFlagSet(name, usage, about string, stdout io.Writer) *FlagSet {
	f := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usage, about: about,
		stdout: stdout, assigned: map[string]bool{}}
	f.FlagSet.SetOutput(io.Discard) // Parse's errors are returned, not printed
	f.FlagSet.Usage = func() {}
	f.groups = []flagGroup{{title: generalGroup}}
	f.BoolVar(&f.version, "version", false, "print the version and exit")
	return f
}

// Group makes the flags defined after it, until the next call, appear
// under title in -h. Calling it again with a title already used adds to
// that group.
func (f *FlagSet) Group(title string) {
	f.assign()
	for i, g := range f.groups {
		if g.title == title {
			f.cur = i
			return
		}
	}
	f.groups = append(f.groups, flagGroup{title: title})
	f.cur = len(f.groups) - 1
}

// assign puts every flag not yet in a group into the current one.
func (f *FlagSet) assign() {
	cur := &f.groups[f.cur]
	f.VisitAll(func(fl *flag.Flag) {
		if !f.assigned[fl.Name] {
			f.assigned[fl.Name] = true
			cur.names = append(cur.names, fl.Name)
		}
	})
}

// Parse parses args. It returns [flag.ErrHelp] after printing the help
// for -h or the version for -version, when the command should exit with
// status 0; an error for an unknown flag, a bad value, or an argument that
// is not a flag.
func (f *FlagSet) Parse(args []string) error {
	err := f.FlagSet.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.PrintUsage(f.stdout)
		return flag.ErrHelp
	case err != nil:
		return fmt.Errorf("%w (%s -h lists the flags)", err, f.Name())
	case f.version:
		fmt.Fprintf(f.stdout, "%s %s\n", f.Name(), Version())
		return flag.ErrHelp
	case f.NArg() > 0 && !f.KeepArgs:
		return fmt.Errorf("unexpected argument %q: every setting is a flag, and flags go before it (%s -h lists them)", f.Arg(0), f.Name())
	}
	return nil
}

// PrintUsage writes the usage line, the description and the flags by
// group to w.
func (f *FlagSet) PrintUsage(w io.Writer) {
	f.assign()
	fmt.Fprintf(w, "usage: %s %s\n", f.Name(), f.usage)
	if f.about != "" {
		fmt.Fprintf(w, "\n%s\n", f.about)
	}
	// The general group (-version, and flags defined before any group)
	// goes last.
	order := append(append([]flagGroup{}, f.groups[1:]...), f.groups[0])
	for _, g := range order {
		if len(g.names) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", g.title)
		// A flag set of the group's flags alone, to print them the way
		// package flag does (default values, value names from the usage).
		tmp := flag.NewFlagSet(f.Name(), flag.ContinueOnError)
		for _, name := range g.names {
			fl := f.Lookup(name)
			tmp.Var(fl.Value, fl.Name, fl.Usage)
			tmp.Lookup(name).DefValue = fl.DefValue
		}
		tmp.SetOutput(w)
		tmp.PrintDefaults()
	}
	fmt.Fprintf(w, "\n-h prints this help.\n")
}

// Flags returns the names of all flags, for tests that check that a
// command's settings are named like its flags.
func (f *FlagSet) Flags() []string {
	var names []string
	f.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	return names
}

// Version describes this build: the module's version and the VCS
// revision, time and state it was built from, and the Go version, as
// recorded in the binary's build information. A build without VCS
// information (go build -buildvcs=false, or outside a git checkout) says
// that the revision is unknown.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(no build information) " + runtime.Version()
	}
	return describeBuild(bi)
}

func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", bi.Main.Path, v)
	if rev := set["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, ", revision %s", rev)
		if t := set["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if set["vcs.modified"] == "true" {
			b.WriteString(" with local changes")
		}
	} else {
		b.WriteString(", revision unknown (built without VCS information, e.g. with -buildvcs=false)")
	}
	fmt.Fprintf(&b, ", %s %s/%s", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}

// Choices returns the names of an enumerated setting's values 0, 1, … (as
// MarshalText writes them, up to the first value it refuses), joined by
// "|", for the usage of the setting's flag (defined with TextVar).
func Choices[T interface {
	~int
	encoding.TextMarshaler
}]() string {
	var names []string
	for v := T(0); ; v++ {
		b, err := v.MarshalText()
		if err != nil {
			return strings.Join(names, "|")
		}
		names = append(names, string(b))
	}
}
