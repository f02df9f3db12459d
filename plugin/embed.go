// Package plugin carries shoal's pytest plugin inside the binary and unpacks
// it, by content hash, into a cache directory from which pytest loads it.
package plugin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

//go:embed shoal_plugin/*.py
var files embed.FS

// Module is the name pytest loads with -p.
const Module = "shoal_plugin"

// Digest is a short hash of the plugin's sources; it names the unpacked copy.
func Digest() string {
	h := sha256.New()
	names := sourceNames()
	for _, name := range names {
		data, _ := files.ReadFile(name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func sourceNames() []string {
	var names []string
	_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// Install unpacks the plugin under cacheDir/plugin-<digest> unless a complete
// copy is already there, and returns the directory to put on PYTHONPATH.
// Several shoal processes may install at once: each writes a private copy and
// renames it into place.
func Install(cacheDir string) (string, error) {
	dir := filepath.Join(cacheDir, "plugin-"+Digest())
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create plugin cache %s: %w", cacheDir, err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".plugin-*")
	if err != nil {
		return "", fmt.Errorf("cannot unpack plugin into %s: %w", cacheDir, err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range sourceNames() {
		data, _ := files.ReadFile(name)
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", fmt.Errorf("cannot unpack plugin: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", fmt.Errorf("cannot unpack plugin: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", fmt.Errorf("cannot unpack plugin: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another shoal won the race; its copy is identical.
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("cannot install plugin into %s: %w", dir, err)
	}
	return dir, nil
}

// DefaultCacheDir is the user cache directory for shoal.
func DefaultCacheDir() string {
	if dir := os.Getenv("SHOAL_CACHE_DIR"); dir != "" {
		return dir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "shoal")
}
