package envconfig

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Releases holds one release manifest per environment, releases/<env>.json: which image each
// service runs, pinned by digest. Application pipelines change these files (make promote, or
// a commit of their own); no Go changes to ship a service.
//
//go:embed releases/*.json
var Releases embed.FS

// ReleasesDir is where the manifests live in the repository (make promote rewrites them there).
const ReleasesDir = "envconfig/releases"

// ImageVariablePrefix starts the variable that overrides one service's image for one run:
// SCALEPAYMENTS_IMAGE_<SERVICE>=sha256:<digest>.
const ImageVariablePrefix = "SCALEPAYMENTS_IMAGE_"

// Image is the image a service runs: its digest (what ECS pulls, so the bytes that were tested
// are the bytes that run) and, for humans, the tag it was built as.
type Image struct {
	Digest string `json:"digest"`
	Tag    string `json:"tag,omitempty"`
}

// Manifest is one environment's release file: the image of every service.
type Manifest struct {
	Services map[string]Image `json:"services"`
}

var digestRe = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

const digestAllowed = "allowed sha256: followed by 64 lowercase hex digits (the image digest; tags such as latest can move)"

// ManifestPath is the repository path of an environment's manifest.
func ManifestPath(env string) string { return path.Join(ReleasesDir, env+".json") }

// ParseManifest reads a manifest strictly: unknown fields and trailing data are errors.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("not a release manifest (%v): allowed {\"services\": {\"<service>\": {\"digest\": \"sha256:...\", \"tag\": \"v1.2.3\"}}}", err)
	}
	if dec.More() {
		return Manifest{}, fmt.Errorf("data after the manifest's JSON object")
	}
	return m, nil
}

// JSON is the manifest as it is stored: indented, services sorted, one trailing newline.
func (m Manifest) JSON() []byte {
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return append(out, '\n')
}

// withRelease gives a shipped environment the images of its embedded manifest. A manifest
// that cannot be read is remembered and reported by Validate, naming the file.
func withRelease(e Environment) Environment {
	data, err := fs.ReadFile(Releases, path.Join("releases", e.Name+".json"))
	if err == nil {
		var m Manifest
		if m, err = ParseManifest(data); err == nil {
			e.Images = m.Services
		}
	}
	e.releaseErr = err
	return e
}

// validateImages checks the release: one well-formed image per service, no other.
func (e Environment) validateImages(bad reporter) {
	file := ManifestPath(e.Name)
	if e.releaseErr != nil {
		bad("Images", file, "%v", e.releaseErr)
		return
	}
	for _, s := range e.Services {
		img, ok := e.Images[s.Name]
		field := fmt.Sprintf("Images[%s] (%s)", s.Name, file)
		switch {
		case !ok:
			bad(field, "missing", "required: every service's image digest")
		case img.Tag == "latest" || (img.Tag != "" && !imageTagRe.MatchString(img.Tag)):
			bad(field+".Tag", fmt.Sprintf("%q", img.Tag), "allowed the immutable tag the image was built as, such as v1.2.3 (not \"latest\"), or none")
		}
		if ok && !digestRe.MatchString(img.Digest) {
			bad(field+".Digest", fmt.Sprintf("%q", img.Digest), digestAllowed)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(e.Images)) {
		if !slices.ContainsFunc(e.Services, func(s Service) bool { return s.Name == name }) {
			bad(fmt.Sprintf("Images[%s] (%s)", name, file), "unknown service", "allowed the environment's services (%s)", strings.Join(e.serviceNames(), ", "))
		}
	}
}

func (e Environment) serviceNames() []string {
	var out []string
	for _, s := range e.Services {
		out = append(out, s.Name)
	}
	return out
}

// ImageVariable is the variable that overrides service's image for one run.
func ImageVariable(service string) string { return ImageVariablePrefix + strings.ToUpper(service) }

// OverrideImages applies SCALEPAYMENTS_IMAGE_<SERVICE>=sha256:... from environ (os.Environ
// form) to the selected environments. An override is one pipeline run's release of one
// service, so it needs exactly one selected environment: it never changes the others.
func OverrideImages(selected []Environment, environ []string) ([]Environment, error) {
	var vars []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, ImageVariablePrefix) {
			vars = append(vars, kv)
		}
	}
	if len(vars) == 0 {
		return selected, nil
	}
	slices.Sort(vars)
	if len(selected) != 1 {
		var names []string
		for _, e := range selected {
			names = append(names, e.Name)
		}
		name, _, _ := strings.Cut(vars[0], "=")
		return nil, fmt.Errorf("%s is set but %d environments are selected (%s): allowed with exactly one, e.g. SCALEPAYMENTS_ENVIRONMENTS=staging", name, len(selected), strings.Join(names, ", "))
	}
	e := selected[0].Clone()
	var errs []string
	for _, kv := range vars {
		name, value, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(e.Services, func(s Service) bool { return ImageVariable(s.Name) == name })
		switch {
		case i < 0:
			var allowed []string
			for _, s := range e.Services {
				allowed = append(allowed, ImageVariable(s.Name))
			}
			errs = append(errs, fmt.Sprintf("%s: unknown service in environment %q: allowed %s", name, e.Name, strings.Join(allowed, ", ")))
		case !digestRe.MatchString(value):
			errs = append(errs, fmt.Sprintf("%s=%q: %s", name, value, digestAllowed))
		default:
			e.Images[e.Services[i].Name] = Image{Digest: value}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return []Environment{e}, nil
}

// Promote returns to with from's images for services (all of from's services when empty):
// the digests staging tested become the digests prod runs, byte for byte.
func Promote(from, to Manifest, services []string) (Manifest, error) {
	field := "SERVICE"
	if len(services) == 0 {
		services, field = slices.Sorted(maps.Keys(from.Services)), "service"
	}
	out := Manifest{Services: maps.Clone(to.Services)}
	if out.Services == nil {
		out.Services = map[string]Image{}
	}
	for _, s := range services {
		img, ok := from.Services[s]
		if !ok {
			return Manifest{}, fmt.Errorf("%s=%q: not in the source manifest: allowed %s", field, s, strings.Join(slices.Sorted(maps.Keys(from.Services)), ", "))
		}
		if _, ok := to.Services[s]; !ok {
			return Manifest{}, fmt.Errorf("%s=%q: not in the target manifest: allowed %s", field, s, strings.Join(slices.Sorted(maps.Keys(to.Services)), ", "))
		}
		out.Services[s] = img
	}
	return out, nil
}
