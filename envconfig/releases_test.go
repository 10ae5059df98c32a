package envconfig

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// The shipped manifests are what stacks deploy, stored exactly as Manifest.JSON writes them
// (so make promote rewrites a file without reformatting it).
func TestShippedManifests(t *testing.T) {
	for _, e := range All() {
		data, err := fs.ReadFile(Releases, "releases/"+e.Name+".json")
		require.NoError(t, err)
		m, err := ParseManifest(data)
		require.NoError(t, err)
		assert.Equal(t, string(data), string(m.JSON()), e.Name)
		assert.Equal(t, m.Services, e.Images, e.Name)
		assert.Len(t, e.Images, len(e.Services), e.Name)
	}
}

func TestManifestErrors(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"unknown field", `{"services": {}, "image": "x"}`, `not a release manifest (json: unknown field "image")`},
		{"not JSON", `services: {}`, `not a release manifest (invalid character 's' looking for beginning of value)`},
		{"trailing data", `{"services": {}} {}`, `data after the manifest's JSON object`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tt.data))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), err.Error())
		})
	}
	e := Prod.Clone()
	e.releaseErr = func() error { _, err := ParseManifest([]byte(`[]`)); return err }()
	assert.EqualError(t, e.Validate(), `environment "prod": Images = envconfig/releases/prod.json: not a release manifest (json: cannot unmarshal array into Go value of type envconfig.Manifest): allowed {"services": {"<service>": {"digest": "sha256:...", "tag": "v1.2.3"}}}`)
}

func TestValidateRejectsEachBadImage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(images map[string]Image)
		want   string
	}{
		{"missing service", func(m map[string]Image) { delete(m, "payment") },
			`environment "prod": Images[payment] (envconfig/releases/prod.json) = missing: required: every service's image digest`},
		{"unknown service", func(m map[string]Image) { m["ledger"] = Image{Digest: digestA} },
			`environment "prod": Images[ledger] (envconfig/releases/prod.json) = unknown service: allowed the environment's services (api, payment, notification)`},
		{"tag instead of digest", func(m map[string]Image) { m["api"] = Image{Digest: "v1.2.3"} },
			`environment "prod": Images[api] (envconfig/releases/prod.json).Digest = "v1.2.3": ` + digestAllowed},
		{"short digest", func(m map[string]Image) { m["api"] = Image{Digest: "sha256:abc"} },
			`environment "prod": Images[api] (envconfig/releases/prod.json).Digest = "sha256:abc": ` + digestAllowed},
		{"latest", func(m map[string]Image) { m["api"] = Image{Digest: digestA, Tag: "latest"} },
			`environment "prod": Images[api] (envconfig/releases/prod.json).Tag = "latest": allowed the immutable tag the image was built as, such as v1.2.3 (not "latest"), or none`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := Prod.Clone()
			tt.mutate(e.Images)
			assert.EqualError(t, e.Validate(), tt.want)
		})
	}
	e := Prod.Clone()
	e.Images["api"] = Image{Digest: digestA} // the tag is for humans only
	assert.NoError(t, e.Validate())
}

func TestOverrideImages(t *testing.T) {
	staging := []Environment{Staging}
	got, err := OverrideImages(staging, []string{"HOME=/root", ImageVariable("payment") + "=" + digestA})
	require.NoError(t, err)
	assert.Equal(t, Image{Digest: digestA}, got[0].Images["payment"])
	for _, s := range []string{"api", "notification"} {
		assert.Equal(t, Staging.Images[s], got[0].Images[s], s)
	}
	assert.NotEqual(t, digestA, Staging.Images["payment"].Digest, "the shipped environment is unchanged")

	same, err := OverrideImages(All(), []string{"HOME=/root"})
	require.NoError(t, err)
	assert.Equal(t, All(), same)

	for _, tt := range []struct {
		name    string
		envs    []Environment
		environ []string
		want    string
	}{
		{"several environments", All(), []string{"SCALEPAYMENTS_IMAGE_PAYMENT=" + digestA},
			`SCALEPAYMENTS_IMAGE_PAYMENT is set but 3 environments are selected (dev, staging, prod): allowed with exactly one, e.g. SCALEPAYMENTS_ENVIRONMENTS=staging`},
		{"unknown service", staging, []string{"SCALEPAYMENTS_IMAGE_LEDGER=" + digestA},
			`SCALEPAYMENTS_IMAGE_LEDGER: unknown service in environment "staging": allowed SCALEPAYMENTS_IMAGE_API, SCALEPAYMENTS_IMAGE_PAYMENT, SCALEPAYMENTS_IMAGE_NOTIFICATION`},
		{"a tag", staging, []string{"SCALEPAYMENTS_IMAGE_API=latest"},
			`SCALEPAYMENTS_IMAGE_API="latest": ` + digestAllowed},
		{"every problem at once", staging, []string{"SCALEPAYMENTS_IMAGE_API=", "SCALEPAYMENTS_IMAGE_X=" + digestA},
			`SCALEPAYMENTS_IMAGE_API="": ` + digestAllowed + "\n" +
				`SCALEPAYMENTS_IMAGE_X: unknown service in environment "staging": allowed SCALEPAYMENTS_IMAGE_API, SCALEPAYMENTS_IMAGE_PAYMENT, SCALEPAYMENTS_IMAGE_NOTIFICATION`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OverrideImages(tt.envs, tt.environ)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestPromote(t *testing.T) {
	from := Manifest{Services: map[string]Image{"api": {Digest: digestA, Tag: "v2"}, "payment": {Digest: digestA, Tag: "v2"}}}
	to := Manifest{Services: map[string]Image{"api": {Digest: digestB}, "payment": {Digest: digestB}}}

	one, err := Promote(from, to, []string{"payment"})
	require.NoError(t, err)
	assert.Equal(t, map[string]Image{"api": {Digest: digestB}, "payment": {Digest: digestA, Tag: "v2"}}, one.Services)
	assert.Equal(t, digestB, to.Services["payment"].Digest, "the target is not changed in place")

	all, err := Promote(from, to, nil)
	require.NoError(t, err)
	assert.Equal(t, from.Services, all.Services)

	_, err = Promote(from, to, []string{"ledger"})
	assert.EqualError(t, err, `SERVICE="ledger": not in the source manifest: allowed api, payment`)
	_, err = Promote(from, Manifest{Services: map[string]Image{"api": {Digest: digestB}}}, []string{"payment"})
	assert.EqualError(t, err, `SERVICE="payment": not in the target manifest: allowed api`)
	_, err = Promote(from, Manifest{Services: map[string]Image{"api": {Digest: digestB}}}, nil)
	assert.EqualError(t, err, `service="payment": not in the target manifest: allowed api`, "a service of the source, not a SERVICE the user set")
}

func TestPromoteFromMustComeFirst(t *testing.T) {
	envs := []Environment{Dev.Clone(), Staging.Clone(), Prod.Clone()}
	envs[1].PromoteFrom = "prod"
	assert.EqualError(t, ValidateAll(envs, Accounts()), `environment "staging": PromoteFrom = "prod": allowed "" or an environment before it in promotion order`)
}

func TestDeliveryValidate(t *testing.T) {
	require.NoError(t, Pipeline.Validate())
	bad := Delivery{TerraformHost: "https://app.terraform.io", Organization: "*", Project: "a:b", Repository: "org/*"}
	assert.EqualError(t, bad.Validate(), strings.Join([]string{
		`delivery: TerraformHost = "https://app.terraform.io": allowed a host name such as app.terraform.io (no scheme or path)`,
		`delivery: Organization = "*": allowed a Terraform Cloud organization name: letters, digits, _ or -`,
		`delivery: Project = "a:b": allowed a Terraform Cloud project name: 3-40 letters, digits, spaces, _ or - (no * or :)`,
		`delivery: Repository = "org/*": allowed a GitHub repository as owner/name (no * or :)`,
	}, "\n"))
}
