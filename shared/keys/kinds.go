package keys

import "github.com/igny8/igny8-serverless/shared/domain"

// Kind is how one workflow entity is keyed: its item type, its sort-key
// prefix in the site partition and its tag in the status indexes
// ("<Tag>#<status>#<id>").
type Kind struct {
	Entity domain.Entity // also the item's _type attribute
	Prefix string        // SK prefix, e.g. "CL#"
	Tag    string        // GSI1SK/GSI2SK type tag, e.g. "CL"
}

// The workflow entities' kinds.
var (
	Keyword = Kind{domain.EntityKeyword, "KW#", "KW"}
	Cluster = Kind{domain.EntityCluster, "CL#", "CL"}
	Idea    = Kind{domain.EntityIdea, "IDEA#", "IDEA"}
	Task    = Kind{domain.EntityTask, "TASK#", "TASK"}
	Content = Kind{domain.EntityContent, "CONT#", "CONT"}
	Image   = Kind{domain.EntityImage, "IMG#", "IMG"}
)

// Kinds lists every workflow kind.
var Kinds = []Kind{Keyword, Cluster, Idea, Task, Content, Image}

// KindOf returns the kind of entity e; ok is false for an unknown entity.
func KindOf(e domain.Entity) (k Kind, ok bool) {
	for _, k := range Kinds {
		if k.Entity == e {
			return k, true
		}
	}
	return Kind{}, false
}

// SK is the sort key of the item id of this kind.
func (k Kind) SK(id string) string { return k.Prefix + id }

// Status is the status-index sort key of the item id of this kind.
func (k Kind) Status(status, id string) string { return Status(k.Tag, status, id) }

// StatusPrefix is the begins_with prefix that lists one status of this kind.
func (k Kind) StatusPrefix(status string) string { return k.Tag + "#" + status + "#" }

// AnyStatusPrefix is the begins_with prefix that lists every status of this
// kind in a status index.
func (k Kind) AnyStatusPrefix() string { return k.Tag + "#" }
