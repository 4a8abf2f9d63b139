package lambdarie

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// The fixed IDs the samples under events/ carry (26 characters like the
// store's ULIDs; the letter before the number says what it is). Seed puts
// items with these IDs in a table, so each sample finds what it names.
const (
	AccountID = "01jsamp1e000000000000a0001"
	SiteID    = "01jsamp1e000000000000s0001"
	Site2ID   = "01jsamp1e000000000000s0002" // the finished run's site
	SectorID  = "01jsamp1e000000000000e0001" // SiteID's default sector
	Sector2ID = "01jsamp1e000000000000e0002"
	// Keywords 1-3 are what the clustering sample clusters; 4-5 belong to
	// ClusterID; 6 waits (status new) for the automation samples.
	Keyword1ID = "01jsamp1e000000000000k0001"
	Keyword2ID = "01jsamp1e000000000000k0002"
	Keyword3ID = "01jsamp1e000000000000k0003"
	Keyword4ID = "01jsamp1e000000000000k0004"
	Keyword5ID = "01jsamp1e000000000000k0005"
	Keyword6ID = "01jsamp1e000000000000k0006"
	ClusterID  = "01jsamp1e000000000000c0001" // new: the idea-generation sample's input
	IdeaID     = "01jsamp1e000000000000d0001" // new: the create-tasks sample's input
	TaskID     = "01jsamp1e000000000000t0001" // queued: the content sample's input
	ContentID  = "01jsamp1e000000000000n0001" // draft with headings: the image-prompts sample's input
	Content2ID = "01jsamp1e000000000000n0002" // draft: the review sample's input
	ImageID    = "01jsamp1e000000000000m0001" // pending: the image-generation sample's input
	// MissingContentID is never seeded (publish-content answers "skipped").
	MissingContentID = "01jsamp1e000000000000n0404"
	// Operations of the credit samples (queued or running, as the step
	// finds them) and of the run-step samples (no record: the run step
	// keeps its own).
	OpReserveID = "01jsamp1e000000000000p0001"
	OpSettleID  = "01jsamp1e000000000000p0002"
	OpReleaseID = "01jsamp1e000000000000p0003"
	OpClusterID = "01jsamp1e000000000000p0004"
	OpIdeasID   = "01jsamp1e000000000000p0005"
	OpTasksID   = "01jsamp1e000000000000p0006"
	OpContentID = "01jsamp1e000000000000p0007"
	OpPromptsID = "01jsamp1e000000000000p0008"
	OpImagesID  = "01jsamp1e000000000000p0009"
	OpReviewID  = "01jsamp1e000000000000p0010"
	// OpDeadID runs with a hold; its execution died (the execution-cleanup
	// sample says TIMED_OUT).
	OpDeadID     = "01jsamp1e000000000000p0011"
	RunID        = "01jsamp1e000000000000r0001" // running on SiteID
	Run2ID       = "01jsamp1e000000000000r0002" // running on Site2ID: the finish-run sample ends it
	TextModelID  = "offline-text-1"
	ImageModelID = "offline-image-1"
	// APIKey is the user key of AccountID in the API and authorizer samples.
	APIKey = "ig8_samplekeyineventsreplaceitwithyourownkeyaaaaaaaaaaaa"
	// SampleCredits is AccountID's grant; HoldAmount each credit sample's hold.
	SampleCredits = 1000
	HoldAmount    = 10
	// SweepKey is the idempotency key of the hold that expired hours ago.
	SweepKey = "rie-sample-sweep"
)

// OpKey is the job key the API gives an operation.
func OpKey(op string) string { return "op#" + op }

// HoldID is the hold a credit sample's job reserved (the reserve step's key
// is the job key + "#reserve").
func HoldID(op string) string { return ledger.HoldID(AccountID, OpKey(op)+"#reserve") }

// SampleKeywords are the seeded keywords, in ID order.
var SampleKeywords = []struct{ ID, Keyword string }{
	{Keyword1ID, "trail running shoes"}, {Keyword2ID, "best trail running shoes for beginners"},
	{Keyword3ID, "waterproof trail running shoes"}, {Keyword4ID, "sourdough starter feeding schedule"},
	{Keyword5ID, "how to feed a sourdough starter"}, {Keyword6ID, "marathon training plan"},
}

// Seed fills an empty table with what the samples under events/ name:
// the configuration (models, billing), an account with credits and the
// sample API key, two sites, keywords, a cluster, an idea, a task, content,
// an image, operations with their holds, an expired hold and two running
// automation runs. Everything goes through the store and the ledger. The
// store picks account, site, sector and keyword IDs itself, so those are
// created first and then moved to the fixed IDs (every key and attribute
// that holds one is rewritten) before anything refers to them.
func Seed(ctx context.Context, db *dynamodb.Client, table, cursorSecret string) error {
	st := store.New(db, table, cursorSecret)
	lg := ledger.New(db, table)
	if err := st.SeedConfig(ctx); err != nil {
		return err
	}
	acct, _, err := st.CreateAccount(ctx, "Sample account")
	if err != nil {
		return err
	}
	site, err := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Sample site", URL: "https://sample.example.com", TimeZone: "Europe/Berlin"})
	if err != nil {
		return err
	}
	site2, err := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Second sample site", URL: "https://second.example.com", TimeZone: "UTC"})
	if err != nil {
		return err
	}
	var rows []domain.NewKeyword
	for i, k := range SampleKeywords {
		rows = append(rows, domain.NewKeyword{Keyword: k.Keyword, Volume: int64(1000 - 100*i), Difficulty: int64(20 + 5*i)})
	}
	rep, err := st.AddKeywords(ctx, acct.ID, site.ID, "", rows)
	if err != nil {
		return err
	}
	ids := map[string]string{acct.ID: AccountID, site.ID: SiteID, site.DefaultSectorID: SectorID,
		site2.ID: Site2ID, site2.DefaultSectorID: Sector2ID}
	for _, k := range SampleKeywords {
		found := false
		for _, a := range rep.Added {
			if a.Keyword == k.Keyword {
				ids[a.ID], found = k.ID, true
			}
		}
		if !found {
			return fmt.Errorf("keyword %q was not added: %+v", k.Keyword, rep)
		}
	}
	if err := rekey(ctx, db, table, ids); err != nil {
		return err
	}

	if err := st.PutAPIKey(ctx, APIKey, domain.RoleUser, AccountID); err != nil {
		return err
	}
	if _, err := lg.Grant(ctx, AccountID, SampleCredits, "rie-sample-grant", "sample credits"); err != nil {
		return err
	}
	if err := seedWorkflow(ctx, st); err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, op := range []struct {
		id      string
		running bool
	}{{OpReserveID, false}, {OpSettleID, true}, {OpReleaseID, true}, {OpDeadID, true}} {
		o := domain.Operation{ID: op.id, SiteID: SiteID, Type: domain.OperationClustering, Status: domain.OperationQueued,
			ItemIDs: []string{Keyword1ID, Keyword2ID, Keyword3ID}, Tier: domain.TierBasic, EstimatedCred: HoldAmount,
			Results: []string{}, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOperation(ctx, AccountID, o); err != nil {
			return err
		}
		if !op.running {
			continue
		}
		// The state machine has reserved: the operation runs with a hold.
		if err := st.SetOperationRunning(ctx, AccountID, op.id, OpKey(op.id)); err != nil {
			return err
		}
		if _, err := lg.Reserve(ctx, AccountID, HoldAmount, OpKey(op.id)+"#reserve", ops.HoldTTL, holdMeta(op.id)); err != nil {
			return err
		}
	}
	// A hold taken three hours ago for a minute: the sweeper's to void.
	past := ledger.New(db, table, ledger.WithClock(func() time.Time { return now.Add(-3 * time.Hour) }))
	if _, err := past.Reserve(ctx, AccountID, 2, SweepKey, time.Minute, ledger.Meta{Description: "abandoned hold"}); err != nil {
		return err
	}
	models := map[string]string{"text": TextModelID, "image": ImageModelID}
	for _, r := range []struct{ run, site string }{{RunID, SiteID}, {Run2ID, Site2ID}} {
		run := domain.AutomationRun{ID: r.run, SiteID: r.site, Trigger: "manual", Status: domain.RunRunning, StartedAt: now}
		if err := st.CreateRun(ctx, AccountID, run, domain.DefaultAutomationConfig(), models); err != nil {
			return err
		}
	}
	// Stage 1's plan of the running run: the gate sample's batch 0.
	return st.SavePlan(ctx, AccountID, SiteID, RunID, 1, []string{Keyword6ID})
}

func holdMeta(op string) ledger.Meta {
	return ledger.Meta{Description: "Keyword clustering",
		Metadata: map[string]string{"operation_id": op, "site_id": SiteID, "operation_type": string(domain.OperationClustering)}}
}

// seedWorkflow writes the cluster, idea, task, content and image the
// run-step samples work on, with their counters, in one transaction.
func seedWorkflow(ctx context.Context, st *store.Store) error {
	now := time.Now().UTC()
	kws, err := st.GetKeywords(ctx, AccountID, SiteID, []string{Keyword4ID, Keyword5ID})
	if err != nil {
		return err
	}
	var w store.Tx
	cl := domain.Cluster{ID: ClusterID, SiteID: SiteID, SectorID: SectorID, Name: "Sourdough starter care",
		Description: "Feeding and keeping a sourdough starter", Status: domain.ClusterNew, CreatedAt: now}
	for _, k := range kws {
		cl.KeywordsCount++
		cl.Volume += k.Volume
		st.MapKeyword(&w, AccountID, k, ClusterID)
	}
	if err := st.PutCluster(&w, AccountID, cl); err != nil {
		return err
	}
	if err := st.PutIdea(&w, AccountID, domain.ContentIdea{ID: IdeaID, SiteID: SiteID, ClusterID: ClusterID,
		Title: "How often to feed a sourdough starter", ContentType: "post", ContentStructure: "article",
		EstimatedWordCount: 900, Keywords: []string{"sourdough starter feeding schedule"}, Status: domain.IdeaNew, CreatedAt: now}); err != nil {
		return err
	}
	if err := st.PutTask(&w, AccountID, domain.Task{ID: TaskID, SiteID: SiteID, IdeaID: IdeaID, ClusterID: ClusterID,
		Title: "A sourdough starter feeding schedule that works", Keywords: []string{"how to feed a sourdough starter"},
		WordCount: 600, ContentStructure: "article", Status: domain.TaskQueued, CreatedAt: now}); err != nil {
		return err
	}
	html := "<p>A starter is flour, water and patience.</p><h2>Feeding ratios</h2><p>Feed 1:1:1 by weight.</p>" +
		"<h2>Keeping it in the fridge</h2><p>Feed it once a week.</p>"
	for _, c := range []domain.Content{
		{ID: ContentID, SiteID: SiteID, TaskID: TaskID, ClusterID: ClusterID, Title: "Feeding a sourdough starter", HTML: html,
			MetaDescription: "Ratios, timing and fridge care for a healthy sourdough starter.", WordCount: 24,
			Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: now},
		{ID: Content2ID, SiteID: SiteID, ClusterID: ClusterID, Title: "Sourdough starter troubleshooting", HTML: "<p>Too sour? Feed it more often.</p>",
			WordCount: 6, Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: now},
	} {
		if err := st.PutContent(&w, AccountID, c); err != nil {
			return err
		}
	}
	if err := st.PutImage(&w, AccountID, domain.Image{ID: ImageID, SiteID: SiteID, ContentID: ContentID, ImageType: "featured",
		Prompt: "A jar of bubbly sourdough starter on a kitchen counter, morning light", Status: domain.ImagePending, CreatedAt: now}); err != nil {
		return err
	}
	return st.Commit(ctx, &w)
}

// rekey moves items to new IDs: every occurrence of an old ID in a key, an
// attribute name or a string value (nested too) is replaced. Items whose key
// changes are written under the new key and the old one is deleted.
func rekey(ctx context.Context, db *dynamodb.Client, table string, ids map[string]string) error {
	var pairs []string
	for old, id := range ids {
		pairs = append(pairs, old, id)
	}
	r := strings.NewReplacer(pairs...)
	var start map[string]types.AttributeValue
	for {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), ExclusiveStartKey: start})
		if err != nil {
			return fmt.Errorf("rekey scan: %w", err)
		}
		for _, it := range out.Items {
			moved, changed := renameMap(it, r)
			if !changed {
				continue
			}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: moved}); err != nil {
				return fmt.Errorf("rekey put: %w", err)
			}
			oldKey := map[string]types.AttributeValue{tabledef.PK: it[tabledef.PK], tabledef.SK: it[tabledef.SK]}
			if s(it[tabledef.PK]) != s(moved[tabledef.PK]) || s(it[tabledef.SK]) != s(moved[tabledef.SK]) {
				if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: oldKey}); err != nil {
					return fmt.Errorf("rekey delete: %w", err)
				}
			}
		}
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return nil
		}
	}
}

func s(av types.AttributeValue) string {
	if v, ok := av.(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func renameMap(m map[string]types.AttributeValue, r *strings.Replacer) (map[string]types.AttributeValue, bool) {
	out := make(map[string]types.AttributeValue, len(m))
	changed := false
	for k, v := range m {
		nk := r.Replace(k)
		nv, c := rename(v, r)
		out[nk] = nv
		changed = changed || c || nk != k
	}
	return out, changed
}

func rename(av types.AttributeValue, r *strings.Replacer) (types.AttributeValue, bool) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		n := r.Replace(v.Value)
		return &types.AttributeValueMemberS{Value: n}, n != v.Value
	case *types.AttributeValueMemberSS:
		out := &types.AttributeValueMemberSS{}
		changed := false
		for _, e := range v.Value {
			n := r.Replace(e)
			out.Value = append(out.Value, n)
			changed = changed || n != e
		}
		return out, changed
	case *types.AttributeValueMemberL:
		out := &types.AttributeValueMemberL{}
		changed := false
		for _, e := range v.Value {
			n, c := rename(e, r)
			out.Value = append(out.Value, n)
			changed = changed || c
		}
		return out, changed
	case *types.AttributeValueMemberM:
		m, c := renameMap(v.Value, r)
		return &types.AttributeValueMemberM{Value: m}, c
	}
	return av, false
}
