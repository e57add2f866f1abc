package msfake

import (
	"regexp"
	"strings"
)

// Placeholder Entra puts in the issuer of the multi-tenant discovery
// documents (/common, /organizations), where no single tenant applies.
const tenantPlaceholder = "{tenantid}"

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isMultiTenant reports the path segments that name no tenant but a set of
// them.
func isMultiTenant(tenant string) bool {
	t := strings.ToLower(tenant)
	return t == "common" || t == "organizations"
}

// validTenant is the fake's rule for the tenant path segment: a tenant ID
// (GUID) or common/organizations. Entra also accepts a tenant's domain
// names; the fake knows none.
func validTenant(tenant string) bool {
	return guidPattern.MatchString(tenant) || isMultiTenant(tenant)
}

// issuerTenant is what stands for the tenant in an issuer: the lower-case
// tenant ID, or Entra's placeholder for the multi-tenant segments.
func issuerTenant(tenant string) string {
	if isMultiTenant(tenant) {
		return tenantPlaceholder
	}
	return strings.ToLower(tenant)
}

// IssuerV1 is the issuer (iss) of the tenant's v1 tokens,
// "https://sts.windows.net/<tid>/". Entra uses this string, not the login
// authority, even though v1 discovery is served at the authority; the fake
// does the same. The tenant ID is lower-cased, as in Entra's tokens.
func (c *Cloud) IssuerV1(tenant string) string {
	return "https://sts.windows.net/" + strings.ToLower(tenant) + "/"
}

// IssuerV2 is the issuer (iss) of the tenant's v2 tokens,
// URL()+"/<tid>/v2.0". The tenant ID is lower-cased.
func (c *Cloud) IssuerV2(tenant string) string {
	return c.url + "/" + strings.ToLower(tenant) + "/v2.0"
}
