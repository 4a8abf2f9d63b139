package publishing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/platform/webhook"
)

// Connection is what a user sends to connect a site. Which fields apply
// depends on the platform; the secret one is sealed before it is stored.
type Connection struct {
	Platform            domain.Platform `json:"platform"`
	URL                 string          `json:"url,omitempty"`                  // wordpress
	Username            string          `json:"username,omitempty"`             // wordpress
	ApplicationPassword string          `json:"application_password,omitempty"` // wordpress
	ShopDomain          string          `json:"shop_domain,omitempty"`          // shopify
	AdminToken          string          `json:"admin_token,omitempty"`          // shopify
	BlogID              string          `json:"blog_id,omitempty"`              // shopify
	WebhookURL          string          `json:"webhook_url,omitempty"`          // custom
}

// Connected is a saved connection. SigningSecret is set once, when a custom
// site is connected: the webhook receiver verifies our signatures with it.
type Connected struct {
	domain.SiteIntegration
	SigningSecret string `json:"signing_secret,omitempty"`
}

var shopDomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.myshopify\.com$`)

// ConnectSite validates and saves a site's connection, its secret sealed.
// Nothing is saved when a field is wrong.
func (s *Service) ConnectSite(ctx context.Context, account, siteID string, c Connection) (Connected, error) {
	site, err := s.Store.GetSite(ctx, account, siteID)
	if err != nil {
		return Connected{}, err
	}
	if c.Platform == "" {
		c.Platform = site.Platform
	}
	if c.Platform != site.Platform {
		return Connected{}, domain.Invalid("platform", "the site is a %s site; change the site's platform first (PATCH /v1/sites/%s)", site.Platform, siteID)
	}
	in := domain.SiteIntegration{Platform: c.Platform}
	var secret, shown string
	unexpected := func(fields map[string]string) error {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names) // the same field is named every time
		for _, name := range names {
			if strings.TrimSpace(fields[name]) != "" {
				return domain.Invalid(name, "does not apply to a %s site", c.Platform)
			}
		}
		return nil
	}
	switch c.Platform {
	case domain.PlatformWordPress:
		if err := unexpected(map[string]string{"shop_domain": c.ShopDomain, "admin_token": c.AdminToken, "blog_id": c.BlogID, "webhook_url": c.WebhookURL}); err != nil {
			return Connected{}, err
		}
		u, err := s.siteURL("url", c.URL)
		if err != nil {
			return Connected{}, err
		}
		if strings.TrimSpace(c.Username) == "" {
			return Connected{}, domain.Invalid("username", "is required: the WordPress user the application password belongs to")
		}
		pw := strings.TrimSpace(c.ApplicationPassword)
		if len(strings.ReplaceAll(pw, " ", "")) < 16 {
			return Connected{}, domain.Invalid("application_password", "is required: create one in WordPress under Users → Profile → Application Passwords (24 characters)")
		}
		in.URL, in.Username, secret = u, strings.TrimSpace(c.Username), pw
	case domain.PlatformShopify:
		if err := unexpected(map[string]string{"url": c.URL, "username": c.Username, "application_password": c.ApplicationPassword, "webhook_url": c.WebhookURL}); err != nil {
			return Connected{}, err
		}
		d := strings.ToLower(strings.TrimSpace(c.ShopDomain))
		if !shopDomain.MatchString(d) {
			return Connected{}, domain.Invalid("shop_domain", "must be your shop's myshopify.com domain, e.g. my-shop.myshopify.com")
		}
		if len(strings.TrimSpace(c.AdminToken)) < 10 {
			return Connected{}, domain.Invalid("admin_token", "is required: the Admin API access token of your custom app (it needs the write_content and write_files scopes)")
		}
		b := strings.TrimSpace(c.BlogID)
		if b == "" || strings.Trim(b, "0123456789") != "" {
			return Connected{}, domain.Invalid("blog_id", "must be the numeric ID of the blog to publish to")
		}
		in.ShopDomain, in.BlogID, secret = d, b, strings.TrimSpace(c.AdminToken)
	case domain.PlatformCustom:
		if err := unexpected(map[string]string{"url": c.URL, "username": c.Username, "application_password": c.ApplicationPassword,
			"shop_domain": c.ShopDomain, "admin_token": c.AdminToken, "blog_id": c.BlogID}); err != nil {
			return Connected{}, err
		}
		u, err := s.siteURL("webhook_url", c.WebhookURL)
		if err != nil {
			return Connected{}, err
		}
		in.URL = u
		secret = webhook.NewSecret()
		shown = secret
	default:
		return Connected{}, domain.Invalid("platform", "must be wordpress, shopify or custom")
	}
	in.SecretHint = hint(secret)
	if err := s.Store.PutIntegration(ctx, account, siteID, in, s.Box.Seal(owner(account, siteID), []byte(secret))); err != nil {
		return Connected{}, err
	}
	saved, _, err := s.Store.GetIntegration(ctx, account, siteID)
	return Connected{SiteIntegration: saved, SigningSecret: shown}, err
}

// siteURL vets a site address before it is saved: its shape, no
// credentials, and no internal target unless the policy allows its
// host:port (the dialer checks again on every connection: a name can
// resolve inside later).
func (s *Service) siteURL(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", domain.Invalid(field, "must be an http(s) address such as https://example.com")
	}
	if u.User != nil {
		return "", domain.Invalid(field, "must not carry credentials; send them in their own fields")
	}
	if err := netguard.CheckURL(s.Outbound, raw); errors.Is(err, netguard.ErrTargetNotAllowed) {
		return "", &TargetError{Field: field}
	} else if err != nil {
		return "", domain.Invalid(field, "must be an http(s) address such as https://example.com")
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimSuffix(u.String(), "/"), nil
}

// TargetError is a site address the outbound guard refuses, when it is
// saved or when we connect to it. It is netguard.ErrTargetNotAllowed (400
// target_not_allowed) in our own words: nothing the target said.
type TargetError struct {
	Field string // the field that named it; "" for a saved address
}

func (e *TargetError) Error() string {
	if e.Field == "" {
		return platform.TargetNotAllowedMessage
	}
	return e.Field + ": " + platform.TargetNotAllowedMessage
}

// Unwrap makes errors.Is(err, netguard.ErrTargetNotAllowed) hold.
func (e *TargetError) Unwrap() error { return netguard.ErrTargetNotAllowed }

func hint(secret string) string {
	s := strings.ReplaceAll(secret, " ", "")
	if len(s) <= 4 {
		return "…"
	}
	return "…" + s[len(s)-4:]
}

// Integration reads a site's connection (never the secret).
func (s *Service) Integration(ctx context.Context, account, site string) (domain.SiteIntegration, error) {
	in, _, err := s.Store.GetIntegration(ctx, account, site)
	return in, err
}

// TestConnection checks a site's connection against the platform and says
// what is wrong in words the site owner can act on; the result is saved.
func (s *Service) TestConnection(ctx context.Context, account, site string) (domain.ConnectionCheck, error) {
	in, sealed, err := s.Store.GetIntegration(ctx, account, site)
	if err != nil {
		return domain.ConnectionCheck{}, err
	}
	res := domain.ConnectionCheck{OK: true, Code: "ok", Message: "Connected: we can publish to your site.", CheckedAt: s.now()}
	target, err := s.target(in, sealed, account, site)
	if err == nil {
		err = target.Check(ctx)
	}
	if err != nil {
		// Adapters classify what the site answered; anything else is our
		// side of the connection (the saved secret, the platform name).
		var pe *platform.Error
		if !errors.As(err, &pe) {
			pe = &platform.Error{Kind: platform.Misconfigured, Platform: string(in.Platform), Message: err.Error()}
		}
		s.log().WarnContext(ctx, "connection test failed", "account_id", account, "site_id", site,
			"error", pe.Error(), "detail", pe.Detail)
		res = domain.ConnectionCheck{OK: false, Code: string(pe.Kind), HTTPStatus: pe.Status, Message: checkMessage(pe), CheckedAt: s.now()}
	}
	if err := s.Store.RecordIntegrationCheck(ctx, account, site, res); err != nil {
		return res, err
	}
	if res.Code == string(platform.TargetNotAllowed) {
		// A refused address is the caller's request gone wrong, not a
		// site that answered badly: nothing was sent to it.
		return res, &TargetError{}
	}
	return res, nil
}

func checkMessage(pe *platform.Error) string {
	switch pe.Kind {
	case platform.Unreachable:
		return "We could not reach your site: " + pe.Message
	case platform.Unauthorized:
		return fmt.Sprintf("Your site answered %d Unauthorized: %s", nonzero(pe.Status, 401), pe.Message)
	case platform.Forbidden:
		return fmt.Sprintf("Your site answered %d Forbidden: %s", nonzero(pe.Status, 403), pe.Message)
	case platform.NotPlatform:
		return pe.Message
	}
	if pe.Status != 0 {
		return fmt.Sprintf("Your site answered %d: %s", pe.Status, pe.Message)
	}
	return pe.Message
}
