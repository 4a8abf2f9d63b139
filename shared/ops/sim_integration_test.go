package ops

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/store"
)

// The simulation drives the ledger and the operations together the way the
// state machine and its failures would: random operations over several
// accounts, every step delivered once, twice or twice at the same time,
// executions that die between steps (only the sweeper cleans up after them),
// provider failures and providers that report more tokens than they were
// allowed. After every step it checks the invariants that make credits
// trustworthy. A failure names its seed and step: rerun with
// -sim.seed=N -sim.steps=M to replay it.
var (
	simSeed  = flag.Uint64("sim.seed", 0, "simulation seed (0: the fixed set)")
	simSteps = flag.Int("sim.steps", 150, "simulation steps per seed")
)

func TestIntegrationSimulation(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if *simSeed != 0 {
		seeds = []uint64{*simSeed}
	}
	var total simStats
	start := time.Now()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			s := newSim(t, seed)
			for step := 1; step <= *simSteps; step++ {
				s.step(t, step)
				s.check(t, step)
			}
			s.finish(t)
			s.check(t, *simSteps+1)
			total.add(s.stats)
			t.Logf("seed %d: %s", seed, s.stats)
		})
	}
	t.Logf("simulation: %d seed(s) × %d steps in %s: %s; 0 violations", len(seeds), *simSteps, time.Since(start).Round(time.Millisecond), total)
}

type simStats struct {
	steps, started, refused, conflicts, settled, failed, crashed, swept, overruns, duplicates, concurrent int
}

func (a *simStats) add(b simStats) {
	a.steps += b.steps
	a.started += b.started
	a.refused += b.refused
	a.conflicts += b.conflicts
	a.settled += b.settled
	a.failed += b.failed
	a.crashed += b.crashed
	a.swept += b.swept
	a.overruns += b.overruns
	a.duplicates += b.duplicates
	a.concurrent += b.concurrent
}

func (a simStats) String() string {
	return fmt.Sprintf("%d steps, %d operations started (%d refused 402, %d refused 409), %d charged, %d failed, %d crashed, %d holds swept, %d overrun settles, %d duplicate and %d concurrent deliveries",
		a.steps, a.started, a.refused, a.conflicts, a.settled, a.failed, a.crashed, a.swept, a.overruns, a.duplicates, a.concurrent)
}

// simProvider is the offline provider with injected failures and overruns:
// cur is the mode of the operation whose run step is being delivered.
type simProvider struct {
	inner *offline.Provider
	cur   atomic.Value
}

func (p *simProvider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	mode, _ := p.cur.Load().(string)
	switch mode {
	case "transient":
		return ai.TextResult{}, &ai.Error{Kind: ai.Transient, Provider: "offline", Message: "simulated 503"}
	case "permanent":
		return ai.TextResult{}, &ai.Error{Kind: ai.Permanent, Provider: "offline", Message: "simulated refusal"}
	}
	res, err := p.inner.Complete(ctx, req)
	if err == nil && mode == "overrun" { // a provider that bills past the limit it was given
		res.OutputTokens = int64(req.MaxTokens)*3 + 500
		res.InputTokens *= 2
	}
	return res, err
}

type simOp struct {
	acct    *simAccount
	op      domain.Operation
	st      State
	next    string // reserve, run, settle, fail, done
	mode    string // "", transient, permanent, overrun
	crashed bool
	results []string // what the run step said it made
}

type simAccount struct {
	id, site string
	kws      []string
	holds    []string
}

type sim struct {
	rng      *rand.Rand
	seed     uint64
	st       *store.Store
	led      *ledger.Ledger
	clock    *atomic.Int64 // offset from the real time, in ns (the sweeper's "now")
	svc      *Service
	credits  *Credits
	runner   *Runner
	provider *simProvider
	accounts []*simAccount
	ops      []*simOp
	stats    simStats
}

type simStarter struct{}

func (simStarter) Start(context.Context, string, []byte) (string, error) { return "sim", nil }

func newSim(t *testing.T, seed uint64) *sim {
	ctx := context.Background()
	db, table := ddblocal.NewTable(t)
	st := store.New(db, table, "secret-0123456789abcdef")
	clock := &atomic.Int64{}
	now := func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
	led := ledger.New(db, table, ledger.WithClock(now))
	if err := st.SeedConfig(ctx); err != nil {
		t.Fatal(err)
	}
	p := &simProvider{inner: offline.New()}
	providers := Providers{Text: map[string]ai.TextProvider{"offline": p}, Image: map[string]ai.ImageProvider{"offline": offline.New()}}
	s := &sim{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), seed: seed, st: st, led: led, clock: clock, provider: p,
		svc:     &Service{Store: st, Providers: providers, Starter: simStarter{}},
		credits: &Credits{Store: st, Ledger: led},
		runner:  &Runner{Store: st, Providers: providers, Lease: time.Minute}}
	for a := range 3 {
		acct, _, err := st.CreateAccount(ctx, fmt.Sprintf("Sim %d", a))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := led.Grant(ctx, acct.ID, 12+int64(a)*30, "sim-grant", "start"); err != nil {
			t.Fatal(err)
		}
		site, err := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
		if err != nil {
			t.Fatal(err)
		}
		var rows []domain.NewKeyword
		for i := range 60 {
			rows = append(rows, domain.NewKeyword{Keyword: fmt.Sprintf("topic %d keyword %d", i%7, i), Volume: int64(i * 10)})
		}
		rep, err := st.AddKeywords(ctx, acct.ID, site.ID, "", rows)
		if err != nil {
			t.Fatal(err)
		}
		sa := &simAccount{id: acct.ID, site: site.ID}
		for _, k := range rep.Added {
			sa.kws = append(sa.kws, k.ID)
		}
		s.accounts = append(s.accounts, sa)
	}
	return s
}

func (s *sim) fail(t *testing.T, step int, format string, args ...any) {
	t.Helper()
	t.Fatalf("seed %d step %d: %s (replay: -run TestIntegrationSimulation -sim.seed=%d -sim.steps=%d)", s.seed, step, fmt.Sprintf(format, args...), s.seed, step)
}

// step does one random thing.
func (s *sim) step(t *testing.T, step int) {
	s.stats.steps++
	ctx := context.Background()
	live := s.live()
	switch r := s.rng.IntN(100); {
	case r < 30 || len(live) == 0:
		s.start(t, step, s.rng.IntN(6) == 0)
	case r < 85:
		s.advance(t, step, live[s.rng.IntN(len(live))])
	case r < 90:
		o := live[s.rng.IntN(len(live))]
		o.crashed = true // its execution dies; nobody delivers its steps again
		s.stats.crashed++
	case r < 95:
		// Time passes beyond every hold's expiry; the sweeper runs.
		s.clock.Add(int64(HoldTTL + time.Minute))
		n, err := s.led.Sweep(ctx, time.Now().Add(time.Duration(s.clock.Load())), 0)
		if err != nil {
			s.fail(t, step, "sweep: %v", err)
		}
		s.stats.swept += n
	default:
		a := s.accounts[s.rng.IntN(len(s.accounts))]
		if _, err := s.led.Grant(ctx, a.id, 10+s.rng.Int64N(40), fmt.Sprintf("sim-grant-%d", step), "top-up"); err != nil {
			s.fail(t, step, "grant: %v", err)
		}
	}
}

func (s *sim) live() []*simOp {
	var out []*simOp
	for _, o := range s.ops {
		if !o.crashed && o.next != "done" {
			out = append(out, o)
		}
	}
	return out
}

// start asks for a clustering operation over a few of an account's
// keywords, sometimes the same request twice at the same time.
func (s *sim) start(t *testing.T, step int, concurrent bool) {
	ctx := context.Background()
	a := s.accounts[s.rng.IntN(len(s.accounts))]
	n := 1 + s.rng.IntN(5)
	from := s.rng.IntN(len(a.kws) - n)
	req := Request{Type: domain.OperationClustering, SiteID: a.site, ItemIDs: slices.Clone(a.kws[from : from+n])}
	tries := 1
	if concurrent {
		tries = 2
		s.stats.concurrent++
	}
	ops := make([]domain.Operation, tries)
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() { defer wg.Done(); ops[i], errs[i] = s.svc.Start(ctx, a.id, req) }()
	}
	wg.Wait()
	accepted := 0
	for i, err := range errs {
		var short *domain.InsufficientCreditsError
		switch {
		case err == nil:
			accepted++
			mode := []string{"", "", "", "", "transient", "permanent", "overrun"}[s.rng.IntN(7)]
			s.ops = append(s.ops, &simOp{acct: a, op: ops[i], mode: mode, next: "reserve", st: State{Job: Job{OperationID: ops[i].ID, AccountID: a.id,
				SiteID: a.site, Type: domain.OperationClustering, ItemIDs: req.ItemIDs, ModelID: "offline-text-1", Estimate: ops[i].EstimatedCred, Key: "op#" + ops[i].ID}}})
			s.stats.started++
		case errors.As(err, &short):
			s.stats.refused++
		case errors.Is(err, domain.ErrConflict):
			s.stats.conflicts++
		default:
			s.fail(t, step, "start: %v", err)
		}
	}
	if accepted > 1 {
		s.fail(t, step, "two concurrent requests for the same keywords were both accepted")
	}
}

// deliver calls a step once, twice in a row or twice at once; duplicates
// must answer like the first (or in progress) and change nothing.
func deliver[T any](s *sim, fn func() (T, error)) (T, error) {
	switch s.rng.IntN(4) {
	case 0:
		s.stats.duplicates++
		v, err := fn()
		if err != nil {
			return v, err
		}
		return fn()
	case 1:
		s.stats.concurrent++
		var wg sync.WaitGroup
		vs := make([]T, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); vs[i], errs[i] = fn() }()
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] == nil {
				return vs[i], nil
			}
		}
		if errors.Is(errs[0], domain.ErrInProgress) {
			return vs[1], errs[1]
		}
		return vs[0], errs[0]
	}
	return fn()
}

// advance delivers the operation's next step, as the state machine would:
// an error goes to the failure step (after retries the sim does not model).
func (s *sim) advance(t *testing.T, step int, o *simOp) {
	ctx := context.Background()
	switch o.next {
	case "reserve":
		h, err := deliver(s, func() (Hold, error) { return s.credits.Reserve(ctx, o.st) })
		if err != nil {
			o.st.Error, o.next = &StepError{Error: "Credits.Insufficient", Cause: err.Error()}, "fail"
			return
		}
		o.st.Hold = &h
		o.acct.holds = append(o.acct.holds, h.HoldID)
		o.next = "run"
	case "run":
		s.provider.cur.Store(o.mode)
		res, err := deliver(s, func() (Result, error) { return s.runner.Run(ctx, o.st) })
		s.provider.cur.Store("")
		if errors.Is(err, domain.ErrInProgress) {
			return // a lease held by a concurrent delivery that failed: try later
		}
		if err != nil {
			if o.mode == "transient" && s.rng.IntN(2) == 0 {
				o.mode = "" // the retry succeeds
				return
			}
			o.st.Error, o.next = &StepError{Error: "Provider.Failed", Cause: err.Error()}, "fail"
			return
		}
		o.st.Result, o.results = &res, res.Results
		o.next = "settle"
	case "settle":
		_, err := deliver(s, func() (Settled, error) { return s.credits.Settle(ctx, o.st) })
		if err != nil {
			o.st.Error, o.next = &StepError{Error: "Internal", Cause: err.Error()}, "fail"
			return
		}
		if o.mode == "overrun" {
			s.stats.overruns++
		}
		s.stats.settled++
		o.next = "done"
	case "fail":
		if _, err := deliver(s, func() (Failure, error) { return s.credits.Fail(ctx, o.st) }); err != nil {
			s.fail(t, step, "fail step of %s: %v", o.op.ID, err)
		}
		s.stats.failed++
		o.next = "done"
	}
}

// finish ends what is in flight the way the cloud would: live executions
// run to their end, dead ones are swept.
func (s *sim) finish(t *testing.T) {
	for i := 0; len(s.live()) > 0 && i < 1000; i++ {
		for _, o := range s.live() {
			s.advance(t, *simSteps, o)
		}
	}
	s.clock.Add(int64(HoldTTL + time.Minute))
	n, err := s.led.Sweep(context.Background(), time.Now().Add(time.Duration(s.clock.Load())), 0)
	if err != nil {
		t.Fatal(err)
	}
	s.stats.swept += n
}

// check verifies the invariants of every account.
func (s *sim) check(t *testing.T, step int) {
	ctx := context.Background()
	now := time.Now().Add(time.Duration(s.clock.Load()))
	for _, a := range s.accounts {
		rep, err := s.led.Audit(ctx, a.id)
		if err != nil {
			s.fail(t, step, "audit: %v", err)
		}
		if !rep.OK() {
			s.fail(t, step, "audit of %s: %v", a.id, rep.Problems)
		}
		b := rep.Account
		if b.Available < 0 || b.Reserved < 0 || b.Granted != b.Available+b.Reserved+b.Settled {
			s.fail(t, step, "balance %+v", b)
		}
		// Reserved is exactly the pending holds, and none is past its expiry
		// by more than the sweeper's interval (the sim sweeps when it moves
		// the clock, so: none past it at all).
		var pending int64
		settled := map[string]bool{}
		for _, id := range a.holds {
			h, err := s.led.GetHold(ctx, a.id, id)
			if err != nil {
				s.fail(t, step, "hold %s: %v", id, err)
			}
			switch h.Status {
			case ledger.HoldPending:
				pending += h.Amount
				if h.ExpiresAt.Before(now.Add(-time.Minute)) {
					s.fail(t, step, "hold %s outlived its expiry %s (now %s)", id, h.ExpiresAt, now)
				}
			case ledger.HoldSettled:
				settled[id] = true
			}
		}
		if pending != b.Reserved {
			s.fail(t, step, "reserved %d, pending holds %d", b.Reserved, pending)
		}
		// Every charge has its results and every result its one charge.
		usage := map[string]int{} // operation → usage logs
		var charged int64
		pr := store.PageRequest{Limit: 200}
		for {
			page, _, err := s.st.ListUsage(ctx, a.id, store.UsageFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, pr)
			if err != nil {
				s.fail(t, step, "usage: %v", err)
			}
			for _, u := range page.Items {
				usage[u.OperationID]++
				charged += u.CreditsUsed
				if !settled[u.HoldID] {
					s.fail(t, step, "usage log %s charges hold %s, which is not settled", u.ID, u.HoldID)
				}
			}
			if page.NextCursor == nil {
				break
			}
			pr.Cursor = *page.NextCursor
		}
		if charged != b.Settled {
			s.fail(t, step, "usage logs charge %d credits, the ledger settled %d", charged, b.Settled)
		}
		if len(settled) != len(usage) {
			s.fail(t, step, "%d settled holds, %d charged operations", len(settled), len(usage))
		}
		clusters := map[string]bool{}
		cpr := store.PageRequest{Limit: 200}
		for {
			page, err := store.List[domain.Cluster](ctx, s.st, store.Clusters, a.id, a.site, store.ListFilter{}, cpr)
			if err != nil {
				s.fail(t, step, "clusters: %v", err)
			}
			for _, c := range page.Items {
				clusters[c.ID] = true
			}
			if page.NextCursor == nil {
				break
			}
			cpr.Cursor = *page.NextCursor
		}
		owned := map[string]string{}
		for _, o := range s.ops {
			if o.acct != a {
				continue
			}
			paid := usage[o.op.ID]
			if paid > 1 {
				s.fail(t, step, "operation %s was charged %d times", o.op.ID, paid)
			}
			for _, id := range o.results {
				if !clusters[id] {
					if paid == 1 {
						s.fail(t, step, "operation %s was charged but its cluster %s does not exist (hold %v)", o.op.ID, id, o.st.Hold)
					}
					continue
				}
				if paid == 0 {
					s.fail(t, step, "cluster %s of operation %s (next %s, crashed %t, hold %v) exists without a charge", id, o.op.ID, o.next, o.crashed, o.st.Hold)
				}
				if other, ok := owned[id]; ok {
					s.fail(t, step, "cluster %s belongs to operations %s and %s", id, other, o.op.ID)
				}
				owned[id] = o.op.ID
			}
		}
		for id := range clusters {
			if owned[id] == "" {
				s.fail(t, step, "cluster %s belongs to no operation", id)
			}
		}
		// A mapped keyword belongs to a visible cluster.
		kws, err := s.st.GetKeywords(ctx, a.id, a.site, a.kws)
		if err != nil {
			s.fail(t, step, "keywords: %v", err)
		}
		for _, k := range kws {
			if (k.Status == domain.KeywordMapped) != (k.ClusterID != "" && clusters[k.ClusterID]) {
				s.fail(t, step, "keyword %s is %s with cluster %q (visible %t)", k.ID, k.Status, k.ClusterID, clusters[k.ClusterID])
			}
		}
	}
}
