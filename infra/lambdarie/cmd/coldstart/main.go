// Command coldstart reports, side by side, what a cold start costs each
// Lambda function: the size of its deployment zip (the linux/arm64 bootstrap
// built exactly as `make build` builds it, zipped with deflate as Lambda
// deploys it) and its init duration under the Runtime Interface Emulator
// (the local-arch build), against a hello-world bootstrap built with the same
// flags (infra/lambdarie/testdata/hello), which is the floor.
//
// The init duration is the emulator's INIT REPORT: from just before it
// starts the bootstrap to the runtime's first /runtime/invocation/next. (Its
// REPORT line's "Init Duration" only times handing the init to a goroutine.)
// Each function is measured -reps times, each time right next to a hello
// run (the pair's order alternating), so load on the machine weighs on both;
// the table shows medians. Run from the repository (make bench does).
package main

import (
	"archive/zip"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/infra/lambdarie"
	"github.com/igny8/igny8-serverless/shared/catalog"
)

// The aims: every zip under maxZip, every init within maxRatio × the floor.
const (
	maxZip   = 4 << 20
	maxRatio = 1.5
	hello    = "hello"
)

func main() {
	reps := flag.Int("reps", 5, "init measurements per function (and as many hello runs next to them)")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*reps); err != nil {
		log.Fatal(err)
	}
}

type row struct {
	name  string
	zip   int64
	inits []time.Duration
	err   error // the init failed: the function is reported, not measured
}

func run(reps int) error {
	ctx := context.Background()
	root, err := lambdarie.ModuleRoot()
	if err != nil {
		return err
	}
	rie, err := lambdarie.RIEPath(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	targets := append(lambdarie.FunctionTargets(), lambdarie.Target{Name: hello, Package: lambdarie.HelloPackage})
	start := time.Now()
	arm, err := lambdarie.Build(ctx, root, "linux", "arm64", filepath.Join(tmp, "arm64"), targets)
	if err != nil {
		return err
	}
	local, err := lambdarie.Build(ctx, root, runtime.GOOS, runtime.GOARCH, filepath.Join(tmp, "local"), targets)
	if err != nil {
		return err
	}
	fmt.Printf("built %d bootstraps for linux/arm64 and %s/%s in %v\n", len(targets), runtime.GOOS, runtime.GOARCH, time.Since(start).Round(time.Second))

	rows := map[string]*row{}
	for _, t := range targets {
		n, err := zipSize(arm[t.Name], filepath.Join(tmp, "zips", t.Name+".zip"))
		if err != nil {
			return err
		}
		rows[t.Name] = &row{name: t.Name, zip: n}
	}

	// Nothing is called at init; what the handler calls afterwards goes to
	// 127.0.0.1 (a closed DynamoDB port, the fake AWS endpoint) and is cut
	// short: the emulator is stopped once the init is reported.
	fake := lambdarie.NewFakeAWS()
	defer fake.Close()
	closed, err := lambdarie.FreePort()
	if err != nil {
		return err
	}
	for _, d := range []string{"blobs", "home"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	env := lambdarie.Env{Table: "coldstart", DynamoDBEndpoint: fmt.Sprintf("http://127.0.0.1:%d", closed),
		CursorSecret: "coldstart-cursor-secret-0123456789", AWSEndpoint: fake.URL(),
		BlobDir: filepath.Join(tmp, "blobs"), Home: filepath.Join(tmp, "home")}
	fns := map[string]catalog.Function{hello: {Name: hello}}
	for _, f := range catalog.Functions {
		fns[f.Name] = f
	}
	measure := func(name string) (time.Duration, error) {
		payload, err := os.ReadFile(filepath.Join(root, "events", name+".json"))
		if err != nil {
			payload = []byte("{}")
		}
		return initOnce(ctx, rie, local[name], env.For(fns[name]), payload)
	}

	// One unmeasured run each, so every binary is in the page cache.
	for _, t := range targets {
		if _, err := measure(t.Name); err != nil {
			if t.Name == hello {
				return fmt.Errorf("the hello floor: %w", err)
			}
			rows[t.Name].err = err
		}
	}
	for rep := range reps {
		for i, f := range catalog.Functions {
			if rows[f.Name].err != nil {
				continue
			}
			pair := []string{hello, f.Name}
			if (rep+i)%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, name := range pair {
				d, err := measure(name)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				rows[name].inits = append(rows[name].inits, d)
			}
		}
	}

	floor := median(rows[hello].inits)
	fmt.Printf("\ninit: median of %d under aws-lambda-rie (%s/%s); hello measured next to each (%d runs); zip: linux/arm64, deflate\n\n",
		reps, runtime.GOOS, runtime.GOARCH, len(rows[hello].inits))
	fmt.Printf("%-28s %12s %8s %10s %8s\n", "function", "zip bytes", "MiB", "init ms", "× hello")
	line := func(r *row, note string) {
		m := median(r.inits)
		fmt.Printf("%-28s %12d %8.2f %10.2f %8.2f%s\n", r.name, r.zip, mib(r.zip), ms(m), float64(m)/float64(floor), note)
	}
	line(rows[hello], "  (floor)")
	var maxZipRow, maxRatioRow *row
	var over, failed []string
	for _, f := range catalog.Functions {
		r := rows[f.Name]
		if maxZipRow == nil || r.zip > maxZipRow.zip {
			maxZipRow = r
		}
		if r.err != nil {
			fmt.Printf("%-28s %12d %8.2f %10s %8s  over: init failed\n", r.name, r.zip, mib(r.zip), "-", "-")
			over, failed = append(over, f.Name), append(failed, fmt.Sprintf("%s: %v", f.Name, r.err))
			continue
		}
		ratio := float64(median(r.inits)) / float64(floor)
		var notes []string
		if r.zip >= maxZip {
			notes = append(notes, "zip ≥ 4 MiB")
		}
		if ratio > maxRatio {
			notes = append(notes, fmt.Sprintf("init > %.2f×", maxRatio))
		}
		note := ""
		if len(notes) > 0 {
			note = "  over: " + strings.Join(notes, ", ")
			over = append(over, f.Name)
		}
		line(r, note)
		if maxRatioRow == nil || median(r.inits) > median(maxRatioRow.inits) {
			maxRatioRow = r
		}
	}
	maxInit := "no function started"
	if maxRatioRow != nil {
		m := median(maxRatioRow.inits)
		maxInit = fmt.Sprintf("max init %.2f ms = %.2f× the %.2f ms floor (%s, aim ≤ %.2f×)", ms(m), float64(m)/float64(floor), ms(floor), maxRatioRow.name, maxRatio)
	}
	fmt.Printf("\nmax zip %.2f MiB (%s, aim < 4 MiB); %s; %d of %d functions over an aim\n",
		mib(maxZipRow.zip), maxZipRow.name, maxInit, len(over), len(catalog.Functions))
	for _, f := range failed {
		fmt.Printf("\n%s\n", f)
	}
	return nil
}

// initOnce starts the emulator, invokes once and returns the init duration
// it reports, then stops it without waiting for the answer.
func initOnce(ctx context.Context, rie, bootstrap string, env []string, payload []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	emu, err := lambdarie.Start(ctx, rie, bootstrap, env)
	if err != nil {
		return 0, err
	}
	defer emu.Stop()
	ictx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _, _, _ = emu.Invoke(ictx, payload) }()
	return emu.InitDuration(ctx)
}

// zipSize writes bootstrap into a zip as Lambda's deployment package (an
// executable named bootstrap at the root, deflated) and returns its size.
func zipSize(bootstrap, dst string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	in, err := os.Open(bootstrap)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return 0, err
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return 0, err
	}
	hdr.Name, hdr.Method = "bootstrap", zip.Deflate
	hdr.SetMode(0o755)
	zw := zip.NewWriter(out)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, in); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	st, err := out.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func mib(n int64) float64        { return float64(n) / (1 << 20) }
