package publishing

import (
	"fmt"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform/shopify"
	"github.com/igny8/igny8-serverless/shared/platform/webhook"
	"github.com/igny8/igny8-serverless/shared/platform/wordpress"
)

// Platforms is the Connector of the real platforms; hc is their HTTP client,
// the outbound guard in production (nil: each adapter's default, the guard
// allowing nothing internal).
func Platforms(hc *http.Client) Connector {
	return func(in domain.SiteIntegration, secret string) (Target, error) {
		switch in.Platform {
		case domain.PlatformWordPress:
			return wordpress.New(wordpress.Config{URL: in.URL, Username: in.Username, AppPassword: secret}, hc), nil
		case domain.PlatformShopify:
			return shopify.New(shopify.Config{ShopDomain: in.ShopDomain, AdminToken: secret, BlogID: in.BlogID}, hc), nil
		case domain.PlatformCustom:
			return webhook.New(webhook.Config{URL: in.URL, Secret: secret}, hc, nil), nil
		}
		return nil, fmt.Errorf("no publisher for platform %q", in.Platform)
	}
}
