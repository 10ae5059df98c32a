package tfc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindToken(t *testing.T) {
	home := t.TempDir()
	file := filepath.Join(home, ".terraform.d", "credentials.tfrc.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o700))
	require.NoError(t, os.WriteFile(file, []byte(`{"credentials":{"app.terraform.io":{"token":"from-file"},"tfe.example-corp.com":{"token":"tfe-file"}}}`), 0o600))

	for _, tc := range []struct {
		name, host string
		env        map[string]string
		want       Token
	}{
		{"TFE_TOKEN first", "app.terraform.io", map[string]string{"TFE_TOKEN": "a", "TF_TOKEN_app_terraform_io": "b"}, Token{"a", "TFE_TOKEN"}},
		{"then Terraform's host variable", "app.terraform.io", map[string]string{"TF_TOKEN_app_terraform_io": "b"}, Token{"b", "TF_TOKEN_app_terraform_io"}},
		{"hyphens as double underscores", "tfe.example-corp.com", map[string]string{"TF_TOKEN_tfe_example__corp_com": "c"}, Token{"c", "TF_TOKEN_tfe_example__corp_com"}},
		{"hyphens as they are", "tfe.example-corp.com", map[string]string{"TF_TOKEN_tfe_example-corp_com": "d"}, Token{"d", "TF_TOKEN_tfe_example-corp_com"}},
		{"then the credentials file", "app.terraform.io", nil, Token{"from-file", file}},
		{"the file's entry for the host", "tfe.example-corp.com", nil, Token{"tfe-file", file}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			for k, v := range tc.env {
				env[k] = v
			}
			got, err := FindToken(tc.host, getenv(env))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFindTokenNamesEveryPlaceWhenThereIsNone(t *testing.T) {
	home := t.TempDir()
	_, err := FindToken("app.terraform.io", getenv(map[string]string{"HOME": home}))
	require.Error(t, err)
	assert.Equal(t, "no token for app.terraform.io: set TFE_TOKEN or TF_TOKEN_app_terraform_io, or run terraform login app.terraform.io (writes "+
		filepath.Join(home, ".terraform.d", "credentials.tfrc.json")+")", err.Error())
}

func TestFindTokenNeverQuotesABrokenCredentialsFile(t *testing.T) {
	home := t.TempDir()
	file := filepath.Join(home, ".terraform.d", "credentials.tfrc.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o700))
	require.NoError(t, os.WriteFile(file, []byte(`{"credentials":{"app.terraform.io":{"token":"secret-token"`), 0o600))

	_, err := FindToken("app.terraform.io", getenv(map[string]string{"HOME": home}))

	require.Error(t, err)
	assert.Equal(t, file+": not valid JSON: run terraform login app.terraform.io again", err.Error())
}
