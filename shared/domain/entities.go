package domain

import "time"

// Platform is where a site's content is published.
type Platform string

const (
	PlatformWordPress Platform = "wordpress"
	PlatformShopify   Platform = "shopify"
	PlatformCustom    Platform = "custom"
)

// Platforms lists the valid platforms.
var Platforms = []Platform{PlatformWordPress, PlatformShopify, PlatformCustom}

// Role of an API key.
type Role string

const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Entity names a kind of workflow item a stage reads or writes. The table's
// key prefixes and status-index tags for each live in package keys.
type Entity string

const (
	EntityKeyword Entity = "keyword"
	EntityCluster Entity = "cluster"
	EntityIdea    Entity = "idea"
	EntityTask    Entity = "task"
	EntityContent Entity = "content"
	EntityImage   Entity = "image"
)

// Account is a tenant. Its balance is kept in integer credits:
// Granted = Available + Reserved + Settled at all times.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Available int64     `json:"available"`
	Reserved  int64     `json:"reserved"`
	Settled   int64     `json:"settled"`
	Granted   int64     `json:"granted"`
	CreatedAt time.Time `json:"created_at"`
}

// APIKey identifies a caller. Only the SHA-256 of the key is stored. ID
// names the key (it derives from the hash, so keys issued before IDs existed
// have one too); Prefix is what its owner recognises it by.
type APIKey struct {
	ID        string     `json:"id"`
	Hash      string     `json:"-"`
	Prefix    string     `json:"prefix"`
	AccountID string     `json:"account_id,omitempty"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Site is a website owned by an account.
type Site struct {
	ID        string   `json:"id"`
	AccountID string   `json:"account_id"`
	Name      string   `json:"name"`
	URL       string   `json:"url"`
	Platform  Platform `json:"platform"`
	TimeZone  string   `json:"time_zone"`
	// DefaultSectorID is the "General" sector made with the site; keywords
	// sent without a sector go there.
	DefaultSectorID string `json:"default_sector_id"`
	// MaxInArticleImages is how many in-article images (besides the
	// featured one) the site's articles get: 0 to 5, default 2. Image
	// prompts ask for this many, estimates price them, and publishing sends
	// at most this many.
	MaxInArticleImages int       `json:"max_in_article_images"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Sector groups a site's keywords (e.g. a product line).
type Sector struct {
	ID        string    `json:"id"`
	SiteID    string    `json:"site_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// KeywordStatus: new until clustered, then mapped.
type KeywordStatus string

const (
	KeywordNew    KeywordStatus = "new"
	KeywordMapped KeywordStatus = "mapped"
)

// KeywordStatuses lists the valid keyword statuses.
var KeywordStatuses = []KeywordStatus{KeywordNew, KeywordMapped}

// Intent is the search intent of a keyword.
type Intent string

// Intents lists the valid intents.
var Intents = []Intent{"informational", "navigational", "commercial", "transactional"}

// Keyword is unique per site and sector (compared case- and space-insensitively).
type Keyword struct {
	ID         string        `json:"id"`
	SiteID     string        `json:"site_id"`
	SectorID   string        `json:"sector_id"`
	Keyword    string        `json:"keyword"`
	Volume     int64         `json:"volume"`
	Difficulty int64         `json:"difficulty"`
	Intent     Intent        `json:"intent"`
	Status     KeywordStatus `json:"status"`
	ClusterID  string        `json:"cluster_id,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

// ClusterStatus: clusters are new until ideas are generated, then mapped.
type ClusterStatus string

const (
	ClusterNew    ClusterStatus = "new"
	ClusterMapped ClusterStatus = "mapped"
)

// ClusterStatuses lists the valid cluster statuses.
var ClusterStatuses = []ClusterStatus{ClusterNew, ClusterMapped}

// Cluster groups related keywords of a site.
type Cluster struct {
	ID            string        `json:"id"`
	SiteID        string        `json:"site_id"`
	SectorID      string        `json:"sector_id,omitempty"`
	Name          string        `json:"name"`
	Description   string        `json:"description,omitempty"`
	KeywordsCount int64         `json:"keywords_count"`
	Volume        int64         `json:"volume"`
	Status        ClusterStatus `json:"status"`
	CreatedAt     time.Time     `json:"created_at"`
}

// IdeaStatus: new → queued (a task was made) → completed.
type IdeaStatus string

const (
	IdeaNew       IdeaStatus = "new"
	IdeaQueued    IdeaStatus = "queued"
	IdeaCompleted IdeaStatus = "completed"
)

// IdeaStatuses lists the valid idea statuses.
var IdeaStatuses = []IdeaStatus{IdeaNew, IdeaQueued, IdeaCompleted}

// ContentIdea is an article idea generated from a cluster.
type ContentIdea struct {
	ID                 string     `json:"id"`
	SiteID             string     `json:"site_id"`
	ClusterID          string     `json:"cluster_id"`
	Title              string     `json:"title"`
	Description        string     `json:"description,omitempty"`
	ContentType        string     `json:"content_type"`
	ContentStructure   string     `json:"content_structure"`
	EstimatedWordCount int64      `json:"estimated_word_count"`
	Keywords           []string   `json:"target_keywords"`
	Status             IdeaStatus `json:"status"`
	CreatedAt          time.Time  `json:"created_at"`
}

// TaskStatus: queued → completed.
type TaskStatus string

const (
	TaskQueued    TaskStatus = "queued"
	TaskCompleted TaskStatus = "completed"
)

// TaskStatuses lists the valid task statuses.
var TaskStatuses = []TaskStatus{TaskQueued, TaskCompleted}

// Task is a writer task made from an idea.
type Task struct {
	ID        string   `json:"id"`
	SiteID    string   `json:"site_id"`
	IdeaID    string   `json:"idea_id"`
	ClusterID string   `json:"cluster_id"`
	Title     string   `json:"title"`
	Keywords  []string `json:"keywords"`
	WordCount int64    `json:"word_count"`
	// ContentStructure is the idea's: article, guide, listicle, how_to, comparison.
	ContentStructure string     `json:"content_structure"`
	Status           TaskStatus `json:"status"`
	CreatedAt        time.Time  `json:"created_at"`
}

// ContentStatus is the editorial status: draft → review → approved, or
// rejected by a person. Rejected is terminal for automation: no stage reads
// it and auto-publish schedules only approved content, so only a person
// approving it by hand moves it again.
type ContentStatus string

const (
	ContentDraft    ContentStatus = "draft"
	ContentReview   ContentStatus = "review"
	ContentApproved ContentStatus = "approved"
	ContentRejected ContentStatus = "rejected"
)

// ContentStatuses lists the valid content statuses.
var ContentStatuses = []ContentStatus{ContentDraft, ContentReview, ContentApproved, ContentRejected}

// SiteStatus is the publishing status on the site, platform-agnostic.
type SiteStatus string

const (
	SiteNotPublished SiteStatus = "not_published"
	SiteScheduled    SiteStatus = "scheduled"
	SitePublishing   SiteStatus = "publishing"
	SitePublished    SiteStatus = "published"
	SiteFailed       SiteStatus = "failed"
)

// SiteStatuses lists the valid site statuses.
var SiteStatuses = []SiteStatus{SiteNotPublished, SiteScheduled, SitePublishing, SitePublished, SiteFailed}

// Content is a written article.
type Content struct {
	ID                 string        `json:"id"`
	SiteID             string        `json:"site_id"`
	TaskID             string        `json:"task_id"`
	ClusterID          string        `json:"cluster_id,omitempty"`
	Title              string        `json:"title"`
	HTML               string        `json:"html,omitempty"`
	MetaTitle          string        `json:"meta_title,omitempty"`
	MetaDescription    string        `json:"meta_description,omitempty"`
	Keywords           []string      `json:"keywords,omitempty"`
	WordCount          int64         `json:"word_count"`
	Status             ContentStatus `json:"status"`
	SiteStatus         SiteStatus    `json:"site_status"`
	ScheduledPublishAt *time.Time    `json:"scheduled_publish_at,omitempty"`
	PublishedAt        *time.Time    `json:"published_at,omitempty"`
	ExternalID         string        `json:"external_id,omitempty"`
	ExternalURL        string        `json:"external_url,omitempty"`
	PublishError       string        `json:"publish_error,omitempty"`
	// RejectReason is what the person who rejected the content said; it is
	// removed when the content is approved.
	RejectReason string    `json:"reject_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// ImageStatus: pending (prompt only) → generated | failed.
type ImageStatus string

const (
	ImagePending   ImageStatus = "pending"
	ImageGenerated ImageStatus = "generated"
	ImageFailed    ImageStatus = "failed"
	// ImageSuperseded is a previous version kept after a regeneration.
	ImageSuperseded ImageStatus = "superseded"
)

// ImageStatuses lists the valid image statuses, superseded last.
var ImageStatuses = []ImageStatus{ImagePending, ImageGenerated, ImageFailed, ImageSuperseded}

// Image belongs to a content item: featured or in-article.
type Image struct {
	ID        string      `json:"id"`
	SiteID    string      `json:"site_id"`
	ContentID string      `json:"content_id"`
	ImageType string      `json:"image_type"`
	Prompt    string      `json:"prompt"`
	URL       string      `json:"url,omitempty"`
	Position  int64       `json:"position"`
	Status    ImageStatus `json:"status"`
	// Provider and Model say what made the image (admin views only).
	Provider     string      `json:"provider,omitempty"`
	Model        string      `json:"model,omitempty"`
	Tier         QualityTier `json:"quality_tier,omitempty"`
	SupersededBy string      `json:"superseded_by,omitempty"`
	// Error is why generating the image failed (status failed): user-facing
	// text, no vendor names.
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ModelType: text or image.
type ModelType string

// QualityTier is what users see instead of the vendor model name.
type QualityTier string

const (
	TierBasic   QualityTier = "basic"
	TierQuality QualityTier = "quality"
	TierPremium QualityTier = "premium"
)

// AIModelConfig prices one model. Costs are integer micro-dollars per 1k
// tokens (or per image) so no float reaches the ledger.
type AIModelConfig struct {
	ModelID                 string      `json:"model_id"`
	Provider                string      `json:"provider"`
	Type                    ModelType   `json:"type"`
	InputCostPer1KMicroUSD  int64       `json:"input_cost_per_1k_micro_usd"`
	OutputCostPer1KMicroUSD int64       `json:"output_cost_per_1k_micro_usd"`
	ImageCostMicroUSD       int64       `json:"image_cost_micro_usd"`
	TokensPerCredit         int64       `json:"tokens_per_credit"`
	CreditsPerImage         int64       `json:"credits_per_image"`
	QualityTier             QualityTier `json:"quality_tier"`
	IsDefault               bool        `json:"is_default"`
}

// BillingConfiguration holds the credit price and per-operation minimums.
type BillingConfiguration struct {
	CreditPriceMicroUSD int64            `json:"credit_price_micro_usd"`
	MinimumCredits      map[string]int64 `json:"minimum_credits"`
}

// SiteStats are the site-wide workflow counters: per stage, what waits
// (pending) and what is done (processed), as the pages' widgets show them.
// Each moves in the transaction that changes what it counts; the stats
// audit recounts every one of them.
type SiteStats struct {
	KeywordsTotal  int64 `json:"keywords_total"`
	KeywordsNew    int64 `json:"keywords_new"`
	KeywordsMapped int64 `json:"keywords_mapped"`
	Clusters       int64 `json:"clusters"`
	// ClustersNew have no ideas yet; ClustersMapped have.
	ClustersNew     int64 `json:"clusters_new"`
	ClustersMapped  int64 `json:"clusters_mapped"`
	Ideas           int64 `json:"ideas"`
	IdeasNew        int64 `json:"ideas_new"`
	IdeasQueued     int64 `json:"ideas_queued"`
	IdeasCompleted  int64 `json:"ideas_completed"`
	Tasks           int64 `json:"tasks"`
	TasksQueued     int64 `json:"tasks_queued"`
	TasksCompleted  int64 `json:"tasks_completed"`
	ContentDraft    int64 `json:"content_draft"`
	ContentReview   int64 `json:"content_review"`
	ContentApproved int64 `json:"content_approved"`
	ContentRejected int64 `json:"content_rejected"`
	// Images counts current versions (pending + generated + failed).
	Images          int64 `json:"images"`
	ImagesPending   int64 `json:"images_pending"`
	ImagesGenerated int64 `json:"images_generated"`
	ImagesFailed    int64 `json:"images_failed"`
	// ImagesSuperseded counts previous versions kept after regenerations.
	ImagesSuperseded int64 `json:"images_superseded"`
	// Content by site status: NotPublished, Scheduled, Publishing,
	// Published and PublishFailed add up to all content.
	NotPublished  int64 `json:"not_published"`
	Scheduled     int64 `json:"scheduled"`
	Publishing    int64 `json:"publishing"`
	Published     int64 `json:"published"`
	PublishFailed int64 `json:"publish_failed"`
}
