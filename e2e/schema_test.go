package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// validateManifestSchema checks manifest.json against Microsoft's official
// schema, from the pinned @microsoft/app-manifest package (make installs it).
func validateManifestSchema(t *testing.T, manifest []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(packageDir, "manifestschema")
	out, err := exec.Command("node", filepath.Join(dir, "validate.mjs"), path, "--schema-version", "1.22").CombinedOutput()
	if err != nil {
		t.Fatalf("manifest.json fails the Teams 1.22 schema: %v\n%s\n%s", err, out, manifest)
	}
}

// The schema check must be able to fail, or the download test proves nothing.
func TestSchemaCheckRejectsABrokenManifest(t *testing.T) {
	bad := filepath.Join(packageDir, "manifestschema", "testdata", "invalid.json")
	out, err := exec.Command("node", filepath.Join(packageDir, "manifestschema", "validate.mjs"), bad, "--schema-version", "1.22").CombinedOutput()
	if err == nil {
		t.Fatalf("the schema check accepted %s:\n%s", bad, out)
	}
}
