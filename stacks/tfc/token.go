package tfc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Token is an API token and where it came from; only the source is ever printed.
type Token struct{ Value, Source string }

// FindToken finds the token for host: TFE_TOKEN (go-tfe's variable), then Terraform's
// TF_TOKEN_<host> (periods as underscores; hyphens as they are, or as double underscores,
// which shells accept), then the file terraform login writes.
// https://developer.hashicorp.com/terraform/cli/config/config-file#environment-variable-credentials
func FindToken(host string, getenv func(string) string) (Token, error) {
	literal := "TF_TOKEN_" + strings.ReplaceAll(host, ".", "_")
	hostVar := strings.ReplaceAll(literal, "-", "__")
	for _, name := range []string{"TFE_TOKEN", hostVar, literal} {
		if v := getenv(name); v != "" {
			return Token{v, name}, nil
		}
	}
	file := filepath.Join(getenv("HOME"), ".terraform.d", "credentials.tfrc.json")
	value, err := fileToken(file, host)
	switch {
	case err != nil:
		return Token{}, err
	case value == "":
		return Token{}, fmt.Errorf("no token for %s: set TFE_TOKEN or %s, or run terraform login %s (writes %s)", host, hostVar, host, file)
	}
	return Token{value, file}, nil
}

// fileToken is host's token in the credentials file, "" when there is none.
func fileToken(file, host string) (string, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var creds struct {
		Credentials map[string]struct {
			Token string `json:"token"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(data, &creds); err != nil {
		// Not the decoder's message: it may quote the file, which holds tokens.
		return "", fmt.Errorf("%s: not valid JSON: run terraform login %s again", file, host)
	}
	return creds.Credentials[host].Token, nil
}
