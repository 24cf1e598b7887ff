package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bigTest writes the test corpus ten times over, 500 documents in 8 blocks.
func bigTest(t *testing.T, test string) string {
	t.Helper()
	b, err := os.ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.feat")
	if err := os.WriteFile(path, bytes.Repeat(b, 10), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runEval(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("eval %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// TestShardsMergeToTheSingleRun evaluates a corpus in N = 1, 2, 3 and 7
// shards, each into a partial file, merges them, and checks that the JSON
// report is byte for byte the single run's.
func TestShardsMergeToTheSingleRun(t *testing.T) {
	f, ck := trained(t)
	big := bigTest(t, f.Test)
	common := []string{"-checkpoint", ck, "-data", big, "-vocab", f.Vocab, "-samples", "5", "-iw-samples", "10"}
	want := runEval(t, append(common, "-json")...)
	dir := t.TempDir()
	for _, n := range []int{1, 2, 3, 7} {
		var parts []string
		for i := range n {
			p := filepath.Join(dir, fmt.Sprintf("p%d-%d.json", n, i))
			runEval(t, append(common, "-shard", fmt.Sprintf("%d/%d", i, n), "-partial", p)...)
			parts = append([]string{p}, parts...) // merged in reverse order
		}
		if got := runEval(t, append([]string{"-merge", "-json"}, parts...)...); got != want {
			t.Errorf("N=%d: merged report\n%s\nsingle run\n%s", n, got, want)
		}
		if n == 7 { // in two stages
			stage := filepath.Join(dir, "stage.json")
			runEval(t, append([]string{"-merge", "-partial", stage}, parts[:3]...)...)
			if got := runEval(t, append([]string{"-merge", "-json", stage}, parts[3:]...)...); got != want {
				t.Errorf("N=7 merged in two stages: report\n%s\nsingle run\n%s", got, want)
			}
		}
	}
}

func TestMergeRefusals(t *testing.T) {
	f, ck := trained(t)
	big := bigTest(t, f.Test)
	dir := t.TempDir()
	common := []string{"-checkpoint", ck, "-vocab", f.Vocab, "-samples", "2", "-iw-samples", "0"}
	part := func(name, data string, extra ...string) string {
		p := filepath.Join(dir, name)
		runEval(t, append(append(common, "-data", data, "-partial", p), extra...)...)
		return p
	}
	p0 := part("p0", big, "-shard", "0/2")
	p1 := part("p1", big, "-shard", "1/2")
	seed := part("seed", big, "-shard", "1/2", "-seed", "7")
	other := part("other", f.Test, "-shard", "1/2")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-merge", p0, seed}, "seed"},
		{[]string{"-merge", p0, other}, "data (SHA-256)"},
		{[]string{"-merge", p0, p0}, "twice"},
		{[]string{"-merge", p1}, "1 of 2 shards"},
		{[]string{"-merge", p0, ck}, ck},
		{[]string{"-merge"}, "arguments"},
		{[]string{"-merge", "-data", big, p0}, "-merge reads partial files only"},
		{append(common, "-data", big, "-shard", "0/2"), "-shard needs -partial"},
		{append(common, "-data", big, "-shard", "2/2", "-partial", p0), "-shard"},
		{append(common, "-data", big, p0), "unexpected argument"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("eval %v: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestSlurmScripts runs deploy/slurm's array task script as a 3-task array
// would (SLURM_ARRAY_TASK_ID 0..2 of 3), then its merge script, with the
// built command, and checks that the merged report is the single run's.
func TestSlurmScripts(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if bin == "" || err != nil {
		t.Skip("no built command or no bash")
	}
	f, ck := trained(t)
	big := bigTest(t, f.Test)
	out := t.TempDir()
	flags := "-samples 3 -iw-samples 5 -seed 2"
	env := append(os.Environ(), "AMVI_BIN="+filepath.Dir(bin), "AMVI_EVAL_FLAGS="+flags, "SLURM_ARRAY_TASK_COUNT=3")
	for i := range 3 {
		cmd := exec.Command(bash, "../../deploy/slurm/eval-shard.sh", ck, big, f.Vocab, out)
		cmd.Env = append(env, fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", i))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("task %d: %v\n%s", i, err, b)
		}
	}
	cmd := exec.Command(bash, "../../deploy/slurm/merge.sh", out)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("merge: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := runEval(t, append([]string{"-checkpoint", ck, "-data", big, "-vocab", f.Vocab, "-json"}, strings.Fields(flags)...)...)
	if string(got) != want {
		t.Errorf("report of the Slurm scripts\n%s\nsingle run\n%s", got, want)
	}
}
