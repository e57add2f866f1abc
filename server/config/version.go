package config

import (
	"strconv"
	"strings"
)

// ValidVersion reports whether v is a Teams app version, MAJOR.MINOR.PATCH.
func ValidVersion(v string) bool { return versionPattern.MatchString(v) }

// VersionLess reports whether version a comes before b; both must be valid.
func VersionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range 3 {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

// NextPatch is v with its patch number raised by one.
func NextPatch(v string) string {
	parts := strings.Split(v, ".")
	n, _ := strconv.Atoi(parts[2])
	return parts[0] + "." + parts[1] + "." + strconv.Itoa(n+1)
}
