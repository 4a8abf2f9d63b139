// Package keys is the table's whole key scheme: every partition key, sort
// key, prefix and index tag is built here and nowhere else. Every tenant key
// starts with ACCT#<account>, so no query built here can reach another
// account's items. The exceptions are global: the API-key lookup item (keyed
// by the key's SHA-256 so a request can be authenticated before its account
// is known), the configuration partition and the three time-ordered queues.
//
// Partitions (PK) and what their sort keys (SK) hold:
//
//	ACCT#<a>                  the account's own items
//	  ACCOUNT                 the account and its balance (the ledger's)
//	  SITE#<s>                a site record of the account
//	  COUNTERS                activity counters (operations, notifications, AI tasks)
//	  TX#<key>                a ledger entry, keyed by its idempotency key
//	  HOLD#<id>               a credit hold; once resolved, also its resolution's entry
//	  OP#<id>                 an operation
//	  AITASK#<id>             an AI task log
//	  USAGE#<id>              a usage log (ULID: sorts by time)
//	  NOTIF#<id>              a notification
//	  APIKEY#<key id>         one of the account's API keys (listing, revocation)
//	  STEP#<key>              a step's exactly-once record (TTL)
//	  STEP#<key>#CHUNK#<n>    the marker of one applied write chunk (TTL)
//	ACCT#<a>#SITE#<s>         one site's data
//	  STATS                   the site's counters
//	  STATS#SEC#<sector>      one sector's keyword counters
//	  SECTOR#<id>             a sector
//	  SECN#<name>             guard: a sector name is unique in its site
//	  KW#<id>, CL#<id>, IDEA#<id>, TASK#<id>, CONT#<id>, IMG#<id>
//	                          the workflow entities (see Kind)
//	  KWU#<sector>#<hash>     guard: a keyword is unique in its sector
//	  AUTOMATION              the automation configuration
//	  PUBLISHING              the publishing settings
//	  INTEGRATION             the site's publishing integration
//	  SLOT#<time>#<content>   a publishing calendar slot
//	  RUN#<id>                an automation run
//	  RUNSTATS                the site's run counters
//	  RUNBATCH#<run>#<batch>  marker: a batch was counted on its run
//	  RUNPLAN#<run>#<stage>#<chunk>  the item IDs of a run's stage, in batch order (TTL)
//	  LOCK#automation         the one active run of the site
//	APIKEY#<sha256>           APIKEY: an API key, for lookup before the account is known
//	CONFIG                    MODEL#<id>: an AI model; BILLING: the billing configuration
//
// GSI1 (by status) and GSI2 (by sector, and the publish queue):
//
//	GSI1 ACCT#<a>#SITE#<s>        <TAG>#<status>#<id>: a site's entities by status
//	GSI1 ACCT#<a>#NOTIF           NOTIF#read|unread#<id>: notifications by read state
//	GSI1 ACCT#<a>#TX              TX#<entry id>: ledger entries by time (the IDs are ULIDs)
//	GSI1 HOLDS#PENDING            <expiry>#<account>#<hold>: the holds the sweeper voids
//	GSI1 AUTOMATION#SCHEDULED     <next run>#<account>#<site>: the due automation schedules
//	GSI2 ACCT#<a>#SITE#<s>#SEC#<sector>  KW#<status>#<id>, CL#<status>#<id>: a sector's keywords and clusters by status
//	GSI2 ACCT#<a>#SITE#<s>#CONT#<c>      IMG#<id>: one content item's images, every version
//	GSI2 PUBLISH#DUE              <due>#<account>#<site>#<content>: the content due for publishing
//	GSI3 ACCT#<a>#SITE#<s>#KWVOL  <inverted volume>#<id>: a site's keywords by volume, highest first
package keys

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Account is the partition of an account's own items (account, sites, ledger).
func Account(account string) string { return "ACCT#" + account }

// Site is the partition of one site's data.
func Site(account, site string) string { return "ACCT#" + account + "#SITE#" + site }

// KeywordsByVolume is the GSI3 partition of a site's keywords by volume.
func KeywordsByVolume(account, site string) string { return Site(account, site) + "#KWVOL" }

// VolumeRank is a keyword's GSI3 sort key: ascending order is volume
// descending (the volume inverted, zero-padded), then ID.
func VolumeRank(volume int64, id string) string {
	return fmt.Sprintf("%019d#%s", math.MaxInt64-max(volume, 0), id)
}

// SiteSector is the GSI2 partition of one sector of a site.
func SiteSector(account, site, sector string) string { return Site(account, site) + "#SEC#" + sector }

// ContentImages is the GSI2 partition of one content item's images.
func ContentImages(account, site, content string) string {
	return Site(account, site) + "#" + Content.SK(content)
}

// APIKey is the lookup partition of an API key hash.
func APIKey(hash string) string { return "APIKEY#" + hash }

// AccountAPIKey is the sort key, in the account's partition, of one of its
// API keys: what lists them and records their revocation (the lookup item,
// APIKey, is what authenticates and is deleted on revocation).
func AccountAPIKey(id string) string { return AccountAPIKeyPrefix + id }

// Notifications is the GSI1 partition of an account's notifications.
func Notifications(account string) string { return Account(account) + "#NOTIF" }

// LedgerEntries is the GSI1 partition that lists an account's ledger
// entries by time ("TX#<entry id>"): their base-table sort keys derive from
// idempotency keys (the duplicate guard), so they do not sort by time there.
func LedgerEntries(account string) string { return Account(account) + "#TX" }

// Global partitions: configuration and the time-ordered queues.
const (
	ConfigPK       = "CONFIG"
	PendingHoldsPK = "HOLDS#PENDING"
	ScheduledPK    = "AUTOMATION#SCHEDULED"
	PublishQueuePK = "PUBLISH#DUE"
)

// Sort keys and prefixes.
const (
	AccountSK = "ACCOUNT"
	APIKeySK  = "APIKEY"
	// AccountAPIKeyPrefix starts the sort keys of an account's API keys.
	AccountAPIKeyPrefix = "APIKEY#"
	StatsSK             = "STATS"
	CountersSK          = "COUNTERS"
	BillingSK           = "BILLING"
	AutomationSK        = "AUTOMATION"
	PublishingSK        = "PUBLISHING"
	IntegrationSK       = "INTEGRATION"
	RunStatsSK          = "RUNSTATS"
	RunLockSK           = "LOCK#automation"
	SitePrefix          = "SITE#"
	TxPrefix            = "TX#"
	HoldPrefix          = "HOLD#"
	SectorPre           = "SECTOR#"
	SectorNamePrefix    = "SECN#"
	SectorStatsPrefix   = StatsSK + "#SEC#"
	KeywordPre          = "KW#"
	KwUniquePre         = "KWU#"
	ModelPrefix         = "MODEL#"
	OperationPrefix     = "OP#"
	TaskLogPrefix       = "AITASK#"
	UsagePrefix         = "USAGE#"
	StepPrefix          = "STEP#"
	RunPrefix           = "RUN#"
	RunBatchPrefix      = "RUNBATCH#"
	RunPlanPrefix       = "RUNPLAN#"
	SlotPrefix          = "SLOT#"
	// NotificationPrefix is the SK prefix of notifications; it is also their
	// GSI1 tag ("NOTIF#read#<id>", "NOTIF#unread#<id>").
	NotificationPrefix = "NOTIF#"
)

// SectorStats is the sort key of one sector's keyword counters.
func SectorStats(sector string) string { return SectorStatsPrefix + sector }

// StepChunk is the sort key of the marker of chunk index of a step.
func StepChunk(stepKey string, index int) string {
	return StepPrefix + stepKey + "#CHUNK#" + strconv.Itoa(index)
}

// StepUnit is the sort key of the i-th result unit a charged step staged
// (zero-padded so the units list in order).
func StepUnit(stepKey string, i int) string { return StepUnitPrefix(stepKey) + fmt.Sprintf("%06d", i) }

// StepUnitPrefix is the sort-key prefix of a step's staged units.
func StepUnitPrefix(stepKey string) string { return StepPrefix + stepKey + "#UNIT#" }

// StepCommitted is the sort key of the marker of a step's staged units
// first..last committed after their charge.
func StepCommitted(stepKey string, first, last int) string {
	return StepPrefix + stepKey + "#DONE#" + strconv.Itoa(first) + "-" + strconv.Itoa(last)
}

// RunBatch is the sort key of the marker of a batch counted on its run.
func RunBatch(run, batch string) string { return RunBatchPrefix + run + "#" + batch }

// RunPlan is the sort key of chunk number chunk of a run's stage plan.
func RunPlan(run string, stage, chunk int) string {
	return RunPlanPrefix + run + "#" + strconv.Itoa(stage) + "#" + strconv.Itoa(chunk)
}

// NotificationStatus is a notification's GSI1 sort key; with read false and
// no id it is the prefix that lists the unread ones.
func NotificationStatus(read bool, id string) string {
	if read {
		return NotificationPrefix + "read#" + id
	}
	return NotificationPrefix + "unread#" + id
}

// ID returns the part of a sort key after its prefix.
func ID(sk, prefix string) string { return strings.TrimPrefix(sk, prefix) }

// Status is a GSI1/GSI2 sort key: "<TYPE>#<status>#<id>", so a begins_with on
// "<TYPE>#<status>#" lists one status and on "<TYPE>#" all of them.
func Status(typ, status, id string) string { return typ + "#" + status + "#" + id }

// Queued is the sort key of an entry of a time-ordered queue (pending holds,
// scheduled runs, due publications): "<at>#<id>#<id>...", so a range up to
// "<now>#~" lists what is due.
func Queued(at string, ids ...string) string { return at + "#" + strings.Join(ids, "#") }

// Slot is the sort key of a publishing calendar slot.
func Slot(at, content string) string { return SlotPrefix + at + "#" + content }

// KeywordGuard is the sort key of the guard that keeps a keyword (by the
// hash of its normalised text) unique in its sector.
func KeywordGuard(sector, hash string) string { return KwUniquePre + sector + "#" + hash }
