package ops

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/store"
)

// The simulation of the ledger and the operations together: the test plays
// the operation state machine (start, reserve, run, settle, release) over
// several accounts against DynamoDB Local, with duplicate and concurrent
// deliveries, crashes between steps, provider failures and overruns, grants
// and a clock the sweeper follows. After every step it checks the
// invariants the step may have changed (the touched accounts and sites, see
// simCheck), and every invariant everywhere simFullChecks times a run and at
// its end. `make test` runs the fixed seeds briefly; the long form is
// `go test ./shared/ops/ -run TestIntegrationSimulation -sim.seed=1
// -sim.steps=10000` (make bench; without -sim.seed every fixed seed runs
// that long). A failure names its seed and step: replay it with
// -sim.seed=N -sim.steps=M (and -sim.trace to log every step). The choices
// replay exactly; IDs are random, so token counts (and so credits) may
// differ by a little between replays.
var (
	simSeedFlag  = flag.Uint64("sim.seed", 0, "simulation: the one seed to run (0: the fixed set)")
	simStepsFlag = flag.Int("sim.steps", 400, "simulation: steps per seed")
	simTraceFlag = flag.Bool("sim.trace", false, "simulation: log every step")
)

// simSeeds are the seeds `make test` runs.
var simSeeds = []uint64{1, 2, 3}

const (
	simMinAccounts     = 3   // at least; one more per simStepsPerAccount steps, so no account's history grows without bound
	simStepsPerAccount = 800 // (the checks read a touched account's and site's whole history)
	simSitesPerAccount = 2
	simFullChecks      = 40 // checks of every account and site per run: every max(50, steps/40) steps (the others check what the step touched)
	simMaxViolations   = 10 // stop a run after this many distinct violations
)

func TestIntegrationSimulation(t *testing.T) {
	seeds := simSeeds
	if *simSeedFlag != 0 {
		seeds = []uint64{*simSeedFlag}
	}
	var all simFigures
	began := time.Now()
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			s := newSim(t, seed, *simStepsFlag)
			s.run()
			t.Logf("seed %d: %s", seed, s.fig)
			all.add(s.fig)
		})
	}
	t.Logf("simulation: %d seed(s) × %d steps in %s: %s", len(seeds), *simStepsFlag, time.Since(began).Round(time.Millisecond), all)
}

// simFigures are what a run did, reported at its end.
type simFigures struct {
	Steps, Started, StartRefusedClaimed, StartRefusedCredits, ConcurrentStarts                int
	Succeeded, Failed, Crashed, Charges, ChargedCredits, Overruns, OverrunCredits             int64
	Deliveries, SeqDuplicates, ConcurrentDuplicates, LateDuplicates, Faults, MalformedReplays int
	Swept, Grants, ClockMoves, SettleRaces, LargeClusterings, ClaimTakeovers, Violations      int
}

func (f *simFigures) add(o simFigures) {
	a, b := reflect.ValueOf(f).Elem(), reflect.ValueOf(o)
	for i := range a.NumField() {
		a.Field(i).SetInt(a.Field(i).Int() + b.Field(i).Int())
	}
}

func (f simFigures) String() string {
	v, ty := reflect.ValueOf(f), reflect.TypeOf(f)
	parts := make([]string, 0, ty.NumField())
	for i := range ty.NumField() {
		parts = append(parts, fmt.Sprintf("%s=%d", strings.ToLower(ty.Field(i).Name), v.Field(i).Int()))
	}
	return strings.Join(parts, " ")
}

// simClock is the simulated time: holds expire against it, the sweeper
// runs at it, and claims expire at it (through simDB). Step leases follow
// the wall clock (they last a real minute).
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *simClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *simClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// simDB is the store's DynamoDB client with the claims on simulated time.
// The store reads the wall clock (it has no clock option) and Service.Start
// dates a claim from time.Now, while the holds the claims go with expire on
// the ledger's clock; this shim moves a claim's condition time and its
// expiry by (simulated - wall), so a claim expires with its hold and the
// sweeper. It touches only the claim update (the condition "claim_until <
// :now"); should that change, the run fails on translated == 0.
type simDB struct {
	*dynamodb.Client
	clock      *simClock
	translated atomic.Int64
}

func (d *simDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	wall, sim := time.Now().Unix(), d.clock.Now().Unix()
	var out *dynamodb.TransactWriteItemsInput // a copy: the caller may send its input again (a retry)
	for i, it := range in.TransactItems {
		u := it.Update
		if u == nil || !strings.Contains(aws.ToString(u.ConditionExpression), "claim_until < :now") {
			continue
		}
		if out == nil {
			cp := *in
			cp.TransactItems = slices.Clone(in.TransactItems)
			out = &cp
		}
		nu := *u
		nu.ExpressionAttributeValues = make(map[string]types.AttributeValue, len(u.ExpressionAttributeValues))
		for k, v := range u.ExpressionAttributeValues {
			nu.ExpressionAttributeValues[k] = v
		}
		nu.ExpressionAttributeValues[":now"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(sim, 10)}
		if n, ok := u.ExpressionAttributeValues[":until"].(*types.AttributeValueMemberN); ok {
			until, _ := strconv.ParseInt(n.Value, 10, 64)
			nu.ExpressionAttributeValues[":until"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(until+sim-wall, 10)}
		}
		out.TransactItems[i] = types.TransactWriteItem{Update: &nu}
		d.translated.Add(1)
	}
	if out != nil {
		in = out
	}
	return d.Client.TransactWriteItems(ctx, in, opts...)
}

// simStarter records the state machine's input instead of starting it: the
// simulation is the state machine.
type simStarter struct {
	mu     sync.Mutex
	inputs map[string][]byte
}

func (r *simStarter) Start(_ context.Context, name string, input []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inputs[name] = input
	return "exec-" + name, nil
}

func (r *simStarter) input(name string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inputs[name]
}

// simFault is what the provider does on its next call.
type simFault int

const (
	faultNone simFault = iota
	faultRateLimited
	faultTransient
	faultRefused
	faultPermanent
	faultMalformed
	faultOverrun
)

var simFaultNames = []string{"none", "rate-limited", "transient", "refused", "permanent", "malformed JSON", "overrun"}

// simProvider wraps the offline provider: an armed fault hits the next
// call only.
type simProvider struct {
	inner ai.TextProvider
	mu    sync.Mutex
	armed simFault
	calls int64
}

func (p *simProvider) arm(f simFault) { p.mu.Lock(); p.armed = f; p.mu.Unlock() }

func (p *simProvider) take() simFault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.armed
	p.armed = faultNone
	p.calls++
	return f
}

func (p *simProvider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	switch p.take() {
	case faultRateLimited:
		return ai.TextResult{}, &ai.Error{Kind: ai.RateLimited, Provider: ai.ProviderOffline, Message: "slow down", Status: 429}
	case faultTransient:
		return ai.TextResult{}, &ai.Error{Kind: ai.Transient, Provider: ai.ProviderOffline, Message: "upstream reset", Status: 503}
	case faultRefused:
		return ai.TextResult{}, &ai.Error{Kind: ai.Refused, Provider: ai.ProviderOffline, Message: "content policy"}
	case faultPermanent:
		return ai.TextResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderOffline, Message: "key rejected", Status: 401}
	case faultMalformed:
		res, err := p.inner.Complete(ctx, req)
		res.Text = "Sure! Here is what you asked for, minus the JSON."
		return res, err
	case faultOverrun: // a vendor writing far past MaxTokens, and counting a larger prompt
		res, err := p.inner.Complete(ctx, req)
		res.OutputTokens += 10 * int64(req.MaxTokens)
		res.InputTokens += res.InputTokens / 2
		return res, err
	}
	return p.inner.Complete(ctx, req)
}

// The stages of an operation's execution, as the state machine walks them.
type simStage int

const (
	stReserve simStage = iota
	stRun
	stSettle
	stFail // the Catch: release the hold, record the failure
	stDone
	stCrashed // the execution died between steps; only the sweeper cleans up
)

var simStageNames = []string{"reserve", "run", "settle", "release", "done", "crashed"}

func (g simStage) String() string { return simStageNames[g] }

type simAccount struct {
	id   string
	lean bool // granted little, so 402s and refused holds happen
}

type simSite struct {
	acct *simAccount
	id   string
}

// simOp is one operation and its execution.
type simOp struct {
	n       int // its index, for messages
	id      string
	site    *simSite
	typ     domain.OperationType
	items   []string
	started time.Time // simulated, when Start was called
	// claimUntil is its claims' expiry as stored (simulated Unix seconds):
	// the store refuses another claim while claim_until >= now.
	claimUntil int64
	state      State // the document the next step gets
	stage      simStage
	past       []simPast // steps that succeeded, for late duplicates
	retries    int
	// Read back after every step that touched the operation.
	rec  domain.Operation
	hold *ledger.Hold // nil: none (free, or not reserved)
}

// simPast is a delivered step that succeeded, with its input and answer.
type simPast struct {
	stage simStage
	st    State
	out   any
}

func (o *simOp) live() bool { return o.stage != stDone } // crashed executions keep their claims until claim_until

// claiming: the operation has not finished and its claims have not expired.
func (s *sim) claiming(o *simOp) bool { return o.live() && o.claimUntil >= s.clock.Now().Unix() }

func (o *simOp) String() string {
	hold := "none"
	if o.hold != nil {
		hold = fmt.Sprintf("%s %s/%d", o.hold.ID, o.hold.Status, o.hold.Amount)
	}
	return fmt.Sprintf("op#%d %s (%s, %d items, stage %s, record %s, hold %s)", o.n, o.id, o.typ, len(o.items), o.stage, o.rec.Status, hold)
}

type sim struct {
	t       *testing.T
	seed    uint64
	steps   int
	rng     *rand.Rand
	ctx     context.Context
	db      *dynamodb.Client
	shim    *simDB
	table   string
	st      *store.Store
	led     *ledger.Ledger
	clock   *simClock
	prov    *simProvider
	starter *simStarter
	svc     *Service
	credits *Credits
	runner  *Runner

	began     time.Time // wall clock at the start
	lastSweep time.Time // ledger clock of the last sweep
	accounts  []*simAccount
	sites     []*simSite
	ops       []*simOp
	kwSerial  int
	kwRank    map[string]int // keyword ID → its serial: IDs are random, the order of candidates must not be

	step        int
	touchedOps  map[*simOp]bool
	touchedAcct map[*simAccount]simCheck
	touchedSite map[*simSite]simCheck

	model   domain.AIModelConfig // the text model every operation uses
	billing domain.BillingConfiguration

	fig              simFigures
	acting, checking time.Duration
	prof             map[string]time.Duration
	reported         map[string]bool
	caught           []string // with capture, violations are kept here instead of failing the test
	capture          bool
	malformed        map[*simOp]bool // the last run delivery failed with a malformed answer
}

func newSim(t *testing.T, seed uint64, steps int) *sim {
	t.Helper()
	ctx := context.Background()
	db, table := ddblocal.NewTable(t)
	clock := &simClock{now: time.Now().UTC()}
	shim := &simDB{Client: db, clock: clock}
	st := store.New(shim, table, "secret-0123456789abcdef")
	led := ledger.New(db, table, ledger.WithClock(clock.Now))
	if err := st.SeedConfig(ctx); err != nil {
		t.Fatal(err)
	}
	model, err := st.GetModel(ctx, offline.TextModel)
	if err != nil {
		t.Fatal(err)
	}
	billing, err := st.Billing(ctx)
	if err != nil {
		t.Fatal(err)
	}
	off := offline.New()
	prov := &simProvider{inner: off}
	providers := Providers{Text: map[string]ai.TextProvider{"offline": prov}, Image: map[string]ai.ImageProvider{"offline": off}}
	starter := &simStarter{inputs: map[string][]byte{}}
	s := &sim{
		t: t, seed: seed, steps: steps, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ctx: ctx,
		db: db, shim: shim, table: table, st: st, led: led, clock: clock, prov: prov, starter: starter,
		svc:     &Service{Store: st, Providers: providers, Starter: starter},
		credits: &Credits{Store: st, Ledger: led},
		runner:  &Runner{Store: st, Providers: providers, Blobs: blob.Dir{Root: t.TempDir()}, Lease: time.Minute},
		began:   time.Now().UTC(), lastSweep: clock.Now(),
		kwRank: map[string]int{}, prof: map[string]time.Duration{}, reported: map[string]bool{}, malformed: map[*simOp]bool{}, model: model, billing: billing,
	}
	accounts := max(simMinAccounts, s.steps/simStepsPerAccount)
	for i := range accounts {
		acct, _, err := st.CreateAccount(ctx, fmt.Sprintf("Sim %d", i))
		if err != nil {
			t.Fatal(err)
		}
		a := &simAccount{id: acct.ID, lean: i%simMinAccounts == simMinAccounts-1}
		grant := int64(3000)
		if a.lean {
			grant = 60
		}
		if _, err := led.Grant(ctx, a.id, grant, "grant-0", "opening grant"); err != nil {
			t.Fatal(err)
		}
		s.accounts = append(s.accounts, a)
		for j := range simSitesPerAccount {
			site, err := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: fmt.Sprintf("Site %d", j), URL: fmt.Sprintf("https://s%d.example", j)})
			if err != nil {
				t.Fatal(err)
			}
			ss := &simSite{acct: a, id: site.ID}
			s.sites = append(s.sites, ss)
			s.addKeywords(ss, 8)
		}
	}
	return s
}

// run takes the steps, checking after each.
func (s *sim) run() {
	n := s.steps
	for s.step = 1; s.step <= n; s.step++ {
		s.touchedOps, s.touchedAcct, s.touchedSite = map[*simOp]bool{}, map[*simAccount]simCheck{}, map[*simSite]simCheck{}
		t0 := time.Now()
		what := s.act()
		t1 := time.Now()
		s.acting += t1.Sub(t0)
		s.fig.Steps++
		if *simTraceFlag {
			s.t.Logf("step %d: %s", s.step, what)
		}
		full := s.step%max(50, n/simFullChecks) == 0 || s.step == n
		s.check(full)
		s.checking += time.Since(t1)
		if s.step%1000 == 0 && s.step < n { // progress of a long run
			s.t.Logf("seed %d: step %d after %s", s.seed, s.step, (s.acting + s.checking).Round(time.Second))
		}
		if s.fig.Violations >= simMaxViolations {
			s.t.Fatalf("seed %d: stopped at step %d after %d violations", s.seed, s.step, s.fig.Violations)
		}
	}
	s.figures()
	if s.fig.Started > 0 && s.shim.translated.Load() == 0 {
		s.t.Fatalf("seed %d: no claim went through the clock shim: the store's claim condition changed (see simDB)", s.seed)
	}
	s.t.Logf("seed %d: %s acting, %s checking %v", s.seed, s.acting.Round(time.Millisecond), s.checking.Round(time.Millisecond), s.prof)
}

// violation reports a broken invariant once, with what replays it.
func (s *sim) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.reported[msg] {
		return
	}
	s.reported[msg] = true
	if s.capture {
		s.caught = append(s.caught, msg)
		return
	}
	s.fig.Violations++
	s.t.Errorf("seed %d step %d: %s\n\treplay: go test ./shared/ops/ -run TestIntegrationSimulation -sim.seed=%d -sim.steps=%d -sim.trace",
		s.seed, s.step, msg, s.seed, s.step)
}

// must stops the run on an error the simulation itself cannot go on from
// (a read of DynamoDB Local failing).
func (s *sim) must(err error, what string) {
	if err != nil {
		s.t.Fatalf("seed %d step %d: %s: %v", s.seed, s.step, what, err)
	}
}

// simCheck says which invariants a step may have changed, so which it
// checks (all of them now and then, see simFullChecks, and at the end).
type simCheck int

const (
	chkLedger  simCheck = 1 << iota // account: audit, pending holds and their expiry
	chkUsage                        // account: charges against holds and operations
	chkResults                      // site: results against charges
	chkClaims                       // site: claims against live operations
	chkAll     = chkLedger | chkUsage | chkResults | chkClaims
)

// stepChecks are the invariants a delivery of each step may change.
var stepChecks = map[simStage]simCheck{stReserve: chkLedger, stRun: chkResults, stSettle: chkAll, stFail: chkAll}

// touch marks op to be read back and its account and site to be checked.
func (s *sim) touch(op *simOp, c simCheck) {
	s.touchedOps[op] = true
	if a := c & (chkLedger | chkUsage); a != 0 {
		s.touchedAcct[op.site.acct] |= a
	}
	if r := c & (chkResults | chkClaims); r != 0 {
		s.touchedSite[op.site] |= r
	}
}

// act takes one random step and says what it was.
func (s *sim) act() string {
	switch r := s.rng.IntN(100); {
	case r < 14:
		return s.start(false)
	case r < 17:
		return s.start(true)
	case r < 53:
		return s.advance(1, false)
	case r < 61:
		return s.advance(2, false)
	case r < 69:
		return s.advance(2, true)
	case r < 72:
		return s.lateDuplicate()
	case r < 74:
		return s.settleRacesRelease()
	case r < 76:
		return s.crash()
	case r < 84:
		return s.fault()
	case r < 88:
		return s.grant()
	case r < 95:
		return s.moveClock()
	default:
		site := s.sites[s.rng.IntN(len(s.sites))]
		n := 3 + s.rng.IntN(6)
		if s.rng.IntN(3) == 0 {
			n = 120 // enough for a clustering whose results overflow the charge's transaction
		}
		return fmt.Sprintf("add %d keywords to site %s", s.addKeywords(site, n), site.id)
	}
}

var (
	simTopics    = []string{"trail running shoes", "sourdough starter", "solar panels", "hiking boots", "coffee grinder", "yoga mat", "electric bike", "garden soil"}
	simModifiers = []string{"best", "cheap", "how to choose", "beginner", "review of", "waterproof", "guide to", "compare"}
)

func (s *sim) addKeywords(site *simSite, n int) int {
	rows := make([]domain.NewKeyword, n)
	for i := range rows {
		s.kwSerial++
		rows[i] = domain.NewKeyword{Keyword: fmt.Sprintf("%s %s %d", simModifiers[s.rng.IntN(len(simModifiers))], simTopics[s.rng.IntN(len(simTopics))], s.kwSerial)}
	}
	rep, err := s.st.AddKeywords(s.ctx, site.acct.id, site.id, "", rows)
	s.must(err, "add keywords")
	for _, k := range rep.Added {
		n, err := strconv.Atoi(k.Keyword[strings.LastIndexByte(k.Keyword, ' ')+1:])
		s.must(err, "keyword serial")
		s.kwRank[k.ID] = n
	}
	return len(rep.Added)
}

// simInputs says what each operation type works on and in what status.
var simInputs = []struct {
	typ    domain.OperationType
	status string
	max    int
}{
	{domain.OperationClustering, string(domain.KeywordNew), 8},
	{domain.OperationIdeaGeneration, string(domain.ClusterNew), 2},
	{domain.OperationCreateTasks, string(domain.IdeaNew), 5},
	{domain.OperationContentGeneration, string(domain.TaskQueued), 2},
}

// liveClaims maps the items of operations whose claims are live (of one
// site and entity) to their operation: what the store's claims must agree
// with.
func (s *sim) liveClaims(site *simSite, e domain.Entity) map[string]*simOp {
	m := map[string]*simOp{}
	for _, op := range s.ops {
		if op.site == site && s.claiming(op) && op.typ.Input() == e {
			for _, id := range op.items {
				m[id] = op
			}
		}
	}
	return m
}

// sortByRank orders item IDs by when the simulation made them (keywords by
// serial, results by the operation and their place in its result), so a
// seed replays the same choices although every ID is random.
func (s *sim) sortByRank(ids []string) {
	rank := map[string][2]int{}
	for id, n := range s.kwRank {
		rank[id] = [2]int{-1, n}
	}
	for _, op := range s.ops {
		if op.state.Result != nil {
			for i, id := range op.state.Result.Results {
				rank[id] = [2]int{op.n, i}
			}
		}
	}
	sort.SliceStable(ids, func(a, b int) bool {
		ra, oka := rank[ids[a]]
		rb, okb := rank[ids[b]]
		switch {
		case oka != okb:
			return oka // unknown IDs last (none are expected)
		case !oka:
			return ids[a] < ids[b]
		case ra[0] != rb[0]:
			return ra[0] < rb[0]
		}
		return ra[1] < rb[1]
	})
}

// start asks the service for an operation on some of a site's items: free
// ones, or (now and then) with an item a live operation holds, which the
// claims must refuse. concurrent sends the same request twice at once.
func (s *sim) start(concurrent bool) string {
	site := s.sites[s.rng.IntN(len(s.sites))]
	s.touchedSite[site] |= chkClaims // a refused start must leave no claim behind
	order := s.rng.Perm(len(simInputs))
	for _, i := range order {
		in := simInputs[i]
		ids, err := s.st.IDsByStatus(s.ctx, site.acct.id, site.id, in.typ.Input(), in.status, 0)
		s.must(err, "list inputs")
		s.sortByRank(ids)
		claimed := s.liveClaims(site, in.typ.Input())
		var free, held []string
		for _, id := range ids {
			if claimed[id] != nil {
				held = append(held, id)
			} else {
				free = append(free, id)
			}
		}
		if len(free) == 0 && (len(held) == 0 || s.rng.IntN(4) > 0) {
			continue
		}
		s.rng.Shuffle(len(free), func(a, b int) { free[a], free[b] = free[b], free[a] })
		n := 1 + s.rng.IntN(in.max)
		if in.typ == domain.OperationClustering && len(free) > 100 && s.rng.IntN(4) == 0 {
			n = 101 + s.rng.IntN(50) // more results than one transaction holds: settle commits the rest after the charge
		}
		items := free[:min(len(free), n)]
		overlap := len(held) > 0 && (len(items) == 0 || s.rng.IntN(8) == 0)
		if overlap {
			items = append(items[:len(items):len(items)], held[s.rng.IntN(len(held))])
		}
		return s.request(site, in.typ, items, overlap, concurrent)
	}
	return fmt.Sprintf("add %d keywords to site %s (nothing to start)", s.addKeywords(site, 6), site.id)
}

func (s *sim) request(site *simSite, typ domain.OperationType, items []string, overlap, concurrent bool) string {
	req := Request{Type: typ, SiteID: site.id, ItemIDs: items}
	n := 1
	if concurrent {
		n = 2
		s.fig.ConcurrentStarts++
	}
	ops := make([]domain.Operation, n)
	errs := make([]error, n)
	began := s.clock.Now()
	if concurrent {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); ops[i], errs[i] = s.svc.Start(s.ctx, site.acct.id, req) }()
		}
		wg.Wait()
	} else {
		ops[0], errs[0] = s.svc.Start(s.ctx, site.acct.id, req)
	}
	var outcomes []string
	okCount, poor := 0, 0
	for i := range n {
		err := errs[i]
		var ce *domain.ClaimedError
		switch {
		case err == nil:
			okCount++
			op := &simOp{n: len(s.ops), id: ops[i].ID, site: site, typ: typ, items: items, started: began}
			s.must(json.Unmarshal(s.starter.input(op.id), &op.state), "decode the started state")
			op.claimUntil = s.storedClaim(site, typ.Input(), items[0]).until
			for _, other := range s.ops {
				if other.site == site && other.live() && other.typ.Input() == typ.Input() && slices.ContainsFunc(items, func(id string) bool { return sliceHas(other.items, id) }) {
					s.fig.ClaimTakeovers++ // an unfinished operation's claim expired: its items were free again
					break
				}
			}
			if !typ.Charged() {
				op.stage = stRun // IsCharged: free operations go straight to the run step
			}
			s.ops = append(s.ops, op)
			s.touch(op, chkClaims)
			s.fig.Started++
			if typ == domain.OperationClustering && len(items) > 100 {
				s.fig.LargeClusterings++
			}
			outcomes = append(outcomes, fmt.Sprintf("started op#%d %s", op.n, op.id))
			if overlap {
				s.violation("%s started on items a live operation claims (%v): two live claims on one item", op, items)
			}
		case errors.As(err, &ce):
			s.fig.StartRefusedClaimed++
			outcomes = append(outcomes, "409 "+strings.Join(ce.Items, ","))
			if !overlap && !concurrent {
				s.violation("start %s on %v refused as claimed (%v) though no live operation holds them", typ, items, ce.Items)
			}
		case errors.Is(err, domain.ErrInsufficientCredits):
			s.fig.StartRefusedCredits++
			poor++
			outcomes = append(outcomes, "402")
		default:
			s.violation("start %s on %v: unexpected error %v", typ, items, err)
		}
	}
	if concurrent && !overlap && poor == 0 && okCount != 1 {
		s.violation("two concurrent starts of %s on %v: %d started (want exactly one): %v", typ, items, okCount, errs)
	}
	return fmt.Sprintf("start %s on %d item(s) of site %s (overlap %v, concurrent %v): %s", typ, len(items), site.id, overlap, concurrent, strings.Join(outcomes, "; "))
}

// pending are the operations whose execution can take a step.
func (s *sim) pending(stages ...simStage) []*simOp {
	var out []*simOp
	for _, op := range s.ops {
		if op.stage >= stDone {
			continue
		}
		if len(stages) == 0 {
			out = append(out, op)
			continue
		}
		for _, g := range stages {
			if op.stage == g {
				out = append(out, op)
				break
			}
		}
	}
	return out
}

func (s *sim) pick(ops []*simOp) *simOp { return ops[s.rng.IntN(len(ops))] }

// advance delivers the next step of a pending operation copies times, one
// after the other or at once.
func (s *sim) advance(copies int, concurrent bool) string {
	ops := s.pending()
	if len(ops) == 0 {
		return s.start(false)
	}
	op := s.pick(ops)
	switch {
	case copies > 1 && concurrent:
		s.fig.ConcurrentDuplicates++
	case copies > 1:
		s.fig.SeqDuplicates++
	}
	return s.deliver(op, copies, concurrent)
}

// exec is one delivery of a step.
func (s *sim) exec(stage simStage, st State) (any, error) {
	switch stage {
	case stReserve:
		h, err := s.credits.Reserve(s.ctx, st)
		if err == nil && h.Refused != nil {
			// The machines route a refused hold to the release as they
			// route the error it stands for (TestRefusedReserveIsRecordedNotAnError).
			return nil, fmt.Errorf("%s: %w", h.Refused.Cause, domain.ErrInsufficientCredits)
		}
		return h, err
	case stRun:
		return s.runner.Run(s.ctx, st)
	case stSettle:
		return s.credits.Settle(s.ctx, st)
	case stFail:
		return s.credits.Fail(s.ctx, st)
	}
	panic("no step for stage " + stage.String())
}

func (s *sim) deliver(op *simOp, copies int, concurrent bool) string {
	s.touch(op, stepChecks[op.stage])
	stage, st := op.stage, op.state
	outs, errs := make([]any, copies), make([]error, copies)
	if concurrent {
		var wg sync.WaitGroup
		for i := range copies {
			wg.Add(1)
			go func() { defer wg.Done(); outs[i], errs[i] = s.exec(stage, st) }()
		}
		wg.Wait()
	} else {
		for i := range copies {
			outs[i], errs[i] = s.exec(stage, st)
		}
	}
	s.fig.Deliveries += copies
	var out any
	var err error
	for i := range copies {
		if errs[i] != nil {
			continue
		}
		if out != nil && !reflect.DeepEqual(out, outs[i]) {
			s.violation("%s: duplicate deliveries of %s answered differently: %+v and %+v", op, stage, out, outs[i])
		}
		out = outs[i]
	}
	if out == nil {
		for _, e := range errs {
			if err == nil || errors.Is(err, domain.ErrInProgress) {
				err = e
			}
		}
	} else {
		for _, e := range errs {
			if e != nil && !errors.Is(e, domain.ErrInProgress) {
				s.violation("%s: one delivery of %s succeeded, a duplicate failed: %v", op, stage, e)
			}
		}
	}
	s.next(op, stage, st, out, err)
	what := fmt.Sprintf("deliver %s of op#%d ×%d (concurrent %v)", stage, op.n, copies, concurrent)
	if err != nil {
		what += ": " + err.Error()
	}
	return what + " → " + op.stage.String()
}

// next moves the execution on from a step's outcome, as the state machine
// does: the output goes into the document, a retryable run error is tried
// again (a later delivery), any other error goes to the release.
func (s *sim) next(op *simOp, stage simStage, st State, out any, err error) {
	if err == nil {
		op.past = append(op.past, simPast{stage: stage, st: st, out: out})
		switch stage {
		case stReserve:
			h := out.(Hold)
			op.state.Hold = &h
			op.stage = stRun
		case stRun:
			r := out.(Result)
			op.state.Result = &r
			op.stage = stSettle
			delete(s.malformed, op)
		case stSettle:
			op.stage = stDone
			s.fig.Succeeded++
		case stFail:
			op.stage = stDone
			s.fig.Failed++
		}
		return
	}
	if errors.Is(err, domain.ErrInProgress) {
		return // a live delivery holds the step; the retry comes later
	}
	var pe *ai.Error
	isAI := errors.As(err, &pe)
	expected := false
	switch stage {
	case stReserve:
		expected = errors.Is(err, domain.ErrInsufficientCredits)
	case stRun:
		expected = isAI || errors.Is(err, domain.ErrInsufficientCredits)
		if isAI && pe.Kind == ai.Malformed {
			if s.malformed[op] {
				s.fig.MalformedReplays++ // the retry re-read the saved malformed answer
			}
			s.malformed[op] = true
		}
	case stSettle:
		expected = errors.Is(err, domain.ErrHoldResolved) // the sweeper expired the hold first
	case stFail:
		s.violation("%s: the release failed: %v", op, err)
		return // retried by a later delivery
	}
	if !expected {
		s.violation("%s: %s failed unexpectedly: %v", op, stage, err)
	}
	if stage == stRun && isAI && pe.Retryable() && op.retries < 3 {
		op.retries++
		return
	}
	name := "Internal"
	switch {
	case isAI:
		name = pe.ErrorName()
	case errors.Is(err, domain.ErrInsufficientCredits):
		name = "Credits.Insufficient"
	case errors.Is(err, domain.ErrHoldResolved):
		name = "Credits.HoldResolved"
	}
	op.state.Error = &StepError{Error: name, Cause: err.Error()}
	op.stage = stFail
}

// lateDuplicate delivers again a step an operation already got past: a
// late retry must answer as the first delivery did, or (a reserve after
// the operation finished) be refused, and change nothing.
func (s *sim) lateDuplicate() string {
	var cands []*simOp
	for _, op := range s.ops {
		if len(op.past) > 0 {
			cands = append(cands, op)
		}
	}
	if len(cands) == 0 {
		return s.advance(1, false)
	}
	op := s.pick(cands)
	p := op.past[s.rng.IntN(len(op.past))]
	s.touch(op, chkAll)
	s.fig.LateDuplicates++
	out, err := s.exec(p.stage, p.st)
	switch {
	case err == nil && !reflect.DeepEqual(out, p.out):
		s.violation("%s: a late %s answered %+v, the first %+v", op, p.stage, out, p.out)
	case err == nil:
	case p.stage == stReserve && errors.Is(err, domain.ErrConflict) && op.stage >= stFail:
		// the operation is no longer queued or running: refused, as it should be
	case p.stage == stRun && errors.Is(err, domain.ErrInProgress):
	default:
		s.violation("%s: a late %s failed: %v", op, p.stage, err)
	}
	what := fmt.Sprintf("late duplicate of %s of op#%d", p.stage, op.n)
	if err != nil {
		what += ": " + err.Error()
	}
	return what
}

// settleRacesRelease delivers the settle and the release of one operation
// at once: a settle that outlived its Lambda timeout while the Catch
// released the hold. Whichever wins, the other changes nothing: charged
// with its results, or released with none.
func (s *sim) settleRacesRelease() string {
	var ops []*simOp
	for _, op := range s.pending(stSettle) {
		if op.typ.Charged() {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return s.advance(1, false)
	}
	op := s.pick(ops)
	s.touch(op, chkAll)
	st := op.state
	failSt := st
	failSt.Error = &StepError{Error: "Sandbox.Timedout", Cause: "the settle timed out"}
	var settled, failed any
	var serr, ferr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); settled, serr = s.exec(stSettle, st) }()
	go func() { defer wg.Done(); failed, ferr = s.exec(stFail, failSt) }()
	wg.Wait()
	s.fig.Deliveries += 2
	s.fig.SettleRaces++
	if serr != nil && !errors.Is(serr, domain.ErrHoldResolved) {
		s.violation("%s: a settle racing its release failed: %v", op, serr)
	}
	if ferr != nil {
		s.violation("%s: a release racing its settle failed: %v", op, ferr)
	}
	s.refresh(op)
	op.stage = stDone
	outcome := "released"
	if op.hold != nil && op.hold.Status == ledger.HoldSettled {
		outcome = "settled"
		s.fig.Succeeded++
		if serr == nil {
			op.past = append(op.past, simPast{stage: stSettle, st: st, out: settled})
		}
	} else {
		s.fig.Failed++
		op.past = append(op.past, simPast{stage: stFail, st: failSt, out: failed})
		if serr == nil {
			s.violation("%s: its settle answered %+v, its hold is not settled", op, settled)
		}
	}
	return fmt.Sprintf("settle and release of op#%d at once: %s", op.n, outcome)
}

// crash ends an execution between two steps for good.
func (s *sim) crash() string {
	ops := s.pending()
	if len(ops) == 0 {
		return s.advance(1, false)
	}
	op := s.pick(ops)
	s.touch(op, 0) // nothing is written: its execution is just gone
	was := op.stage
	op.stage = stCrashed
	s.fig.Crashed++
	return fmt.Sprintf("crash op#%d before its %s", op.n, was)
}

// fault makes the provider misbehave on the next call of a run step.
func (s *sim) fault() string {
	ops := s.pending(stRun)
	var charged []*simOp
	for _, op := range ops {
		if op.typ.Charged() {
			charged = append(charged, op)
		}
	}
	if len(charged) == 0 {
		return s.advance(1, false)
	}
	op := s.pick(charged)
	f := simFault(1 + s.rng.IntN(len(simFaultNames)-1))
	s.fig.Faults++
	s.prov.arm(f)
	what := s.deliver(op, 1, false)
	s.prov.arm(faultNone) // a step that made no call leaves nothing armed
	return fmt.Sprintf("provider %s: %s", simFaultNames[f], what)
}

func (s *sim) grant() string {
	a := s.accounts[s.rng.IntN(len(s.accounts))]
	amount := int64(200 + s.rng.IntN(2800))
	if a.lean {
		amount = int64(10 + s.rng.IntN(90))
	}
	s.fig.Grants++
	_, err := s.led.Grant(s.ctx, a.id, amount, fmt.Sprintf("grant-%d", s.step), "top-up")
	s.must(err, "grant")
	s.touchedAcct[a] |= chkLedger
	return fmt.Sprintf("grant %d to %s", amount, a.id)
}

// moveClock moves the ledger's clock (minutes mostly, now and then past a
// hold's expiry) and runs the sweeper at the new time, as its schedule does.
func (s *sim) moveClock() string {
	d := time.Duration(1+s.rng.IntN(30)) * time.Minute
	if s.rng.IntN(5) == 0 {
		d = HoldTTL + time.Duration(1+s.rng.IntN(60))*time.Minute
	}
	s.clock.Add(d)
	now := s.clock.Now()
	n, err := s.led.Sweep(s.ctx, now, 0)
	if err != nil {
		s.violation("sweep at %s: %v", now.Format(time.RFC3339), err)
	}
	s.lastSweep = now
	s.fig.ClockMoves++
	s.fig.Swept += n
	for _, op := range s.ops { // a sweep changes nothing but pending holds and their accounts
		if op.hold != nil && op.hold.Status == ledger.HoldPending {
			s.touch(op, chkLedger)
		}
	}
	return fmt.Sprintf("clock +%s, swept %d hold(s)", d, n)
}

// refresh reads an operation's record and hold back.
func (s *sim) refresh(op *simOp) {
	rec, err := s.st.GetOperation(s.ctx, op.site.acct.id, op.id)
	s.must(err, "read operation "+op.id)
	op.rec = rec
	if !op.typ.Charged() {
		return
	}
	h, err := s.led.GetHold(s.ctx, op.site.acct.id, ledger.HoldID(op.site.acct.id, op.state.Job.Key+"#reserve"))
	if errors.Is(err, domain.ErrNotFound) {
		op.hold = nil
		return
	}
	s.must(err, "read hold of "+op.id)
	op.hold = &h
}

// check verifies the invariants over what the step touched (every account
// and site when full).
func (s *sim) check(full bool) {
	if s.step == s.steps { // the end: read every operation back
		for _, op := range s.ops {
			s.touchedOps[op] = true
		}
	}
	if full {
		for _, a := range s.accounts {
			s.touchedAcct[a] = chkAll
		}
		for _, site := range s.sites {
			s.touchedSite[site] = chkAll
		}
	}
	for op := range s.touchedOps {
		s.refresh(op)
	}
	for _, a := range s.accounts {
		c := s.touchedAcct[a]
		if c&chkLedger != 0 {
			s.timed("ledger", func() { s.checkLedger(a) })
		}
		if c&chkUsage != 0 {
			s.timed("usage", func() { s.checkUsage(a) })
		}
	}
	for _, site := range s.sites {
		c := s.touchedSite[site]
		if c&chkResults != 0 {
			s.timed("results", func() { s.checkResults(site) })
		}
		if c&chkClaims != 0 {
			s.timed("claims", func() { s.checkClaims(site) })
		}
		if full {
			s.timed("stats", func() { s.checkStats(site) })
		}
	}
}

// checkStats: the site's counters agree with a recount of its items.
func (s *sim) checkStats(site *simSite) {
	audit, err := s.st.AuditStats(s.ctx, site.acct.id, site.id)
	s.must(err, "audit stats")
	// (AuditStats repairs what drifted: reported once, then right again.)
	drift := len(audit.SectorDrift) > 0
	for _, d := range audit.Drift {
		drift = drift || d != 0
	}
	if drift {
		s.violation("site %s counters drift from a recount: %v %v", site.id, audit.Drift, audit.SectorDrift)
	}
}

func (s *sim) timed(what string, fn func()) {
	t0 := time.Now()
	fn()
	s.prof[what] += time.Since(t0)
}

// checkLedger: the ledger balances, no balance is negative, reserved is
// the pending holds, no pending hold outlived its expiry past the last
// sweep, and every charge (usage log) is one settled hold of one succeeded
// operation, at most its hold.
func (s *sim) checkLedger(a *simAccount) {
	rep, err := s.led.Audit(s.ctx, a.id)
	s.must(err, "audit "+a.id)
	if !rep.OK() {
		s.violation("account %s: audit: %v", a.id, rep.Problems)
	}
	bal := rep.Account
	if bal.Available < 0 || bal.Reserved < 0 || bal.Settled < 0 {
		s.violation("account %s: negative balance %+v", a.id, bal)
	}
	if bal.Granted != bal.Available+bal.Reserved+bal.Settled {
		s.violation("account %s: granted %d ≠ available %d + reserved %d + settled %d", a.id, bal.Granted, bal.Available, bal.Reserved, bal.Settled)
	}
	var pending, count int64
	for _, op := range s.ops {
		if op.site.acct != a {
			continue
		}
		if op.hold == nil || op.hold.Status != ledger.HoldPending {
			continue
		}
		pending += op.hold.Amount
		count++
		if op.hold.ExpiresAt.Before(s.lastSweep) {
			s.violation("%s: hold pending past its expiry %s (last sweep %s)", op, op.hold.ExpiresAt.Format(time.RFC3339), s.lastSweep.Format(time.RFC3339))
		}
	}
	if bal.Reserved != pending || rep.PendingAmount != pending || rep.PendingHolds != count {
		s.violation("account %s: reserved %d, audit finds %d in %d pending holds, the operations' pending holds are %d in %d",
			a.id, bal.Reserved, rep.PendingAmount, rep.PendingHolds, pending, count)
	}
}

// checkUsage: every charge (usage log) is one settled hold of one succeeded
// operation, at most its hold; every succeeded charged operation has one.
func (s *sim) checkUsage(a *simAccount) {
	ops := map[string]*simOp{}
	for _, op := range s.ops {
		if op.site.acct == a {
			ops[op.id] = op
		}
	}
	charges := map[string]int{}
	pr := store.PageRequest{Limit: store.MaxPageSize}
	for {
		page, _, err := s.st.ListUsage(s.ctx, a.id, store.UsageFilter{From: s.began.Add(-time.Minute), To: time.Now().Add(time.Hour)}, pr)
		s.must(err, "list usage")
		for _, u := range page.Items {
			charges[u.OperationID]++
			op := ops[u.OperationID]
			switch {
			case op == nil:
				s.violation("account %s: usage log %s charges %d for unknown operation %s", a.id, u.ID, u.CreditsUsed, u.OperationID)
			case op.hold == nil || u.HoldID != op.hold.ID:
				s.violation("%s: usage log %s names hold %s", op, u.ID, u.HoldID)
			case op.hold.Status != ledger.HoldSettled || op.hold.Actual == nil || *op.hold.Actual != u.CreditsUsed:
				s.violation("%s: usage log %s charged %d, the hold is %s (actual %v)", op, u.ID, u.CreditsUsed, op.hold.Status, op.hold.Actual)
			case u.CreditsUsed > op.hold.Amount || (u.OverrunCredits > 0 && u.CreditsUsed != op.hold.Amount) || u.OverrunCredits < 0:
				s.violation("%s: charged %d (overrun %d) against a hold of %d", op, u.CreditsUsed, u.OverrunCredits, op.hold.Amount)
			case op.rec.Status != domain.OperationSucceeded || op.rec.CreditsUsed != u.CreditsUsed:
				s.violation("%s: charged %d, the operation record says %s with %d credits", op, u.CreditsUsed, op.rec.Status, op.rec.CreditsUsed)
			}
		}
		if page.NextCursor == nil {
			break
		}
		pr.Cursor = *page.NextCursor
	}
	for _, op := range ops {
		n := charges[op.id]
		switch {
		case n > 1:
			s.violation("%s: charged %d times", op, n)
		case !op.typ.Charged():
			if n > 0 {
				s.violation("%s: a free operation was charged", op)
			}
		case op.rec.Status == domain.OperationSucceeded && n != 1:
			s.violation("%s: succeeded with %d charges", op, n)
		case op.hold != nil && op.hold.Status == ledger.HoldSettled && n != 1:
			s.violation("%s: hold settled with %d usage logs", op, n)
		case op.rec.Status == domain.OperationFailed && op.hold != nil && op.hold.Status != ledger.HoldReleased && op.hold.Status != ledger.HoldExpired:
			s.violation("%s: failed, its hold not voided", op)
		}
	}
}

// figures counts the charges, and the overruns the hold's cap absorbed,
// from the operations as last read.
func (s *sim) figures() {
	s.fig.Charges, s.fig.ChargedCredits, s.fig.Overruns, s.fig.OverrunCredits = 0, 0, 0, 0
	for _, op := range s.ops {
		if op.hold == nil || op.hold.Status != ledger.HoldSettled || op.hold.Actual == nil {
			continue
		}
		s.fig.Charges++
		s.fig.ChargedCredits += *op.hold.Actual
		if op.state.Result == nil {
			continue
		}
		c, _, err := Charge(s.model, s.billing, op.typ, *op.state.Result)
		s.must(err, "charge")
		if c > op.hold.Amount {
			s.fig.Overruns++
			s.fig.OverrunCredits += c - op.hold.Amount
		}
	}
}

// simList reads a whole site list.
func simList[T any](s *sim, l store.SiteList, site *simSite) []T {
	var out []T
	pr := store.PageRequest{Limit: store.MaxPageSize}
	for {
		page, err := store.List[T](s.ctx, s.st, l, site.acct.id, site.id, store.ListFilter{}, pr)
		s.must(err, "list "+l.Name)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		pr.Cursor = *page.NextCursor
	}
}

// checkResults: every cluster, idea and content the site lists is a result
// of exactly one succeeded operation whose hold is settled (its charge is
// checked by checkAccount), and every succeeded charged operation's results
// are there. Tasks are free (written by the run step itself): one per idea.
func (s *sim) checkResults(site *simSite) {
	owner := map[string]*simOp{}
	for _, op := range s.ops {
		if op.site != site || op.rec.Status != domain.OperationSucceeded {
			continue
		}
		for _, id := range op.rec.Results {
			if prev := owner[id]; prev != nil {
				s.violation("result %s is listed by %s and %s", id, prev, op)
			}
			owner[id] = op
		}
	}
	visible := map[string]bool{}
	charged := func(kind, id string, want domain.OperationType) {
		visible[id] = true
		op := owner[id]
		switch {
		case op == nil:
			s.violation("site %s: %s %s stands without a charge: %s", site.id, kind, id, s.whoMade(id))
		case op.typ != want:
			s.violation("%s lists %s %s as its result", op, kind, id)
		case op.hold == nil || op.hold.Status != ledger.HoldSettled:
			s.violation("%s: its %s %s stands, its hold is not settled", op, kind, id)
		}
	}
	for _, c := range simList[domain.Cluster](s, store.Clusters, site) {
		charged("cluster", c.ID, domain.OperationClustering)
	}
	ideasOf := map[string]*simOp{}
	for _, i := range simList[domain.ContentIdea](s, store.Ideas, site) {
		charged("idea", i.ID, domain.OperationIdeaGeneration)
		if prev, op := ideasOf[i.ClusterID], owner[i.ID]; prev != nil && op != nil && prev != op {
			s.violation("cluster %s has ideas from %s and %s", i.ClusterID, prev, op)
		} else if op != nil {
			ideasOf[i.ClusterID] = op
		}
	}
	taskOf := map[string]string{}
	for _, t := range simList[domain.Task](s, store.Tasks, site) {
		visible[t.ID] = true
		if prev, ok := taskOf[t.IdeaID]; ok {
			s.violation("site %s: idea %s has two tasks, %s and %s", site.id, t.IdeaID, prev, t.ID)
		}
		taskOf[t.IdeaID] = t.ID
	}
	contentOf := map[string]string{}
	for _, c := range simList[domain.Content](s, store.Contents, site) {
		charged("content", c.ID, domain.OperationContentGeneration)
		if prev, ok := contentOf[c.TaskID]; ok {
			s.violation("site %s: task %s has two contents, %s and %s", site.id, c.TaskID, prev, c.ID)
		}
		contentOf[c.TaskID] = c.ID
	}
	for _, op := range s.ops {
		if op.site != site || op.rec.Status != domain.OperationSucceeded {
			continue
		}
		for _, id := range op.rec.Results {
			if !visible[id] {
				s.violation("%s: charged, its result %s is not there", op, id)
			}
		}
	}
}

// whoMade names the operations whose run made the item, for a report.
func (s *sim) whoMade(id string) string {
	var out []string
	for _, op := range s.ops {
		if op.state.Result != nil && sliceHas(op.state.Result.Results, id) {
			out = append(out, op.String())
		}
	}
	if len(out) == 0 {
		return "no known run made it"
	}
	return "made by " + strings.Join(out, "; ")
}

func sliceHas(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// checkClaims reads the claims as stored: every claim belongs to an
// unfinished operation (finished ones released theirs) and lasts no longer
// than its hold could (HoldTTL from its start, and not past the hold's
// expiry); every operation whose claim is live holds its items; no two
// operations' live claims share an item. An unfinished operation's claim
// expires with its hold (a crash: the sweeper voids the hold, the items are
// free again); until it finishes, the expired claim may stay on the items
// nobody took over.
func (s *sim) checkClaims(site *simSite) {
	for _, in := range simInputs {
		e := in.typ.Input()
		k, _ := keys.KindOf(e)
		live := map[string]*simOp{}
		for _, op := range s.ops {
			if op.site != site || op.typ.Input() != e || !s.claiming(op) {
				continue
			}
			for _, id := range op.items {
				if prev := live[id]; prev != nil {
					s.violation("%s %s is claimed by two live operations, %s and %s", e, id, prev, op)
				}
				live[id] = op
			}
		}
		stored := map[string]string{}
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
			TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
			FilterExpression:          aws.String("attribute_exists(claim_op)"),
			ProjectionExpression:      aws.String("SK, claim_op, claim_until"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.Site(site.acct.id, site.id)}, ":p": &types.AttributeValueMemberS{Value: k.Prefix}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(s.ctx)
			s.must(err, "read claims")
			for _, it := range page.Items {
				id := keys.ID(it["SK"].(*types.AttributeValueMemberS).Value, k.Prefix)
				claim := it["claim_op"].(*types.AttributeValueMemberS).Value
				until, _ := strconv.ParseInt(it["claim_until"].(*types.AttributeValueMemberN).Value, 10, 64)
				stored[id] = claim
				op := s.opByID(claim)
				if op == nil || !op.live() || !sliceHas(op.items, id) || (until >= s.clock.Now().Unix() && live[id] != op) {
					s.violation("%s %s is claimed by %s until %s, no live operation of it: %s", e, id, claim, time.Unix(until, 0).UTC().Format(time.RFC3339), s.opNamed(claim))
					continue
				}
				// A second of slack: claims count whole seconds.
				if time.Unix(until, 0).After(op.started.Add(HoldTTL+time.Second)) || (op.hold != nil && time.Unix(until, 0).After(op.hold.ExpiresAt.Add(time.Second))) {
					s.violation("%s: claim on %s lasts until %s, past its hold's lifetime", op, id, time.Unix(until, 0).UTC().Format(time.RFC3339))
				}
			}
		}
		for id, op := range live {
			if stored[id] != op.id {
				s.violation("%s: its %s %s is not claimed by it (claim %q)", op, e, id, stored[id])
			}
		}
	}
}

// storedClaim reads the claim on one item.
func (s *sim) storedClaim(site *simSite, e domain.Entity, id string) (c struct {
	op    string
	until int64
}) {
	k, _ := keys.KindOf(e)
	out, err := s.db.GetItem(s.ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: keys.Site(site.acct.id, site.id)}, "SK": &types.AttributeValueMemberS{Value: k.SK(id)}}})
	s.must(err, "read claim")
	if v, ok := out.Item["claim_op"].(*types.AttributeValueMemberS); ok {
		c.op = v.Value
	}
	if v, ok := out.Item["claim_until"].(*types.AttributeValueMemberN); ok {
		c.until, _ = strconv.ParseInt(v.Value, 10, 64)
	}
	return c
}

func (s *sim) opByID(id string) *simOp {
	for _, op := range s.ops {
		if op.id == id {
			return op
		}
	}
	return nil
}

func (s *sim) opNamed(id string) string {
	for _, op := range s.ops {
		if op.id == id {
			return op.String()
		}
	}
	return "unknown operation"
}

// The checks catch what they look for: each case plants one violation in a
// simulated state (the writes no step makes) and expects its report.
func TestIntegrationSimulationCatchesPlantedViolations(t *testing.T) {
	cases := []struct {
		name  string
		plant func(t *testing.T, s *sim)
		want  string
	}{
		{"a result without its charge", func(t *testing.T, s *sim) {
			site := s.sites[0]
			var w store.Tx
			if err := s.st.PutCluster(&w, site.acct.id, domain.Cluster{ID: store.NewID(), SiteID: site.id, Name: "free lunch", Status: domain.ClusterNew, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := s.st.Commit(s.ctx, &w); err != nil {
				t.Fatal(err)
			}
		}, "stands without a charge"},
		{"a charge for no operation", func(t *testing.T, s *sim) {
			var w store.Tx
			if err := s.st.UsageWrites(&w, s.accounts[0].id, domain.UsageLog{ID: store.NewID(), OperationID: "ghost", CreditsUsed: 3, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := s.st.Commit(s.ctx, &w); err != nil {
				t.Fatal(err)
			}
		}, "for unknown operation ghost"},
		{"a hold no operation took", func(t *testing.T, s *sim) {
			if _, err := s.led.Reserve(s.ctx, s.accounts[0].id, 5, "stray", HoldTTL, ledger.Meta{}); err != nil {
				t.Fatal(err)
			}
		}, "pending holds"},
		{"a claim no live operation holds", func(t *testing.T, s *sim) {
			site := s.sites[0]
			ids, err := s.st.IDsByStatus(s.ctx, site.acct.id, site.id, domain.EntityKeyword, string(domain.KeywordNew), 1)
			if err != nil || len(ids) == 0 {
				t.Fatalf("no keyword to claim: %v", err)
			}
			if err := s.st.ClaimItems(s.ctx, site.acct.id, site.id, domain.EntityKeyword, ids, "ghost", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}, "no live operation of it"},
	}
	// One simulated state for all cases: each plant adds its own violation.
	s := newSim(t, 1, 30)
	s.run()
	if s.fig.Violations != 0 {
		t.Fatalf("violations before planting: %d", s.fig.Violations)
	}
	s.capture = true
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.caught = nil
			tc.plant(t, s)
			s.check(true)
			for _, msg := range s.caught {
				if strings.Contains(msg, tc.want) {
					return
				}
			}
			t.Fatalf("planted %s; the checks reported %q, want one with %q", tc.name, s.caught, tc.want)
		})
	}
}
