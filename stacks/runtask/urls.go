package runtask

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/scalepayments/infra/envconfig"
)

// URLPolicy says whether the run task may call a URL a request names: the plan it downloads
// and the callback it sends the access token to.
type URLPolicy func(*url.URL) error

// HCPTerraform allows https URLs on the delivery's Terraform host (envconfig.Pipeline,
// app.terraform.io) only: even a validly signed request cannot send the access token elsewhere.
func HCPTerraform() URLPolicy { return HTTPSOn(envconfig.Pipeline.TerraformHost) }

// HTTPSOn allows https URLs on host only.
func HTTPSOn(host string) URLPolicy {
	return func(u *url.URL) error {
		if u.Scheme != "https" || !strings.EqualFold(u.Hostname(), host) || u.User != nil {
			return fmt.Errorf("%s://%s: allowed https://%s only", u.Scheme, u.Host, host)
		}
		return nil
	}
}

// Loopback allows http and https URLs on a loopback address only: a fake Terraform Cloud on
// this machine, for tests and local runs.
func Loopback(u *url.URL) error {
	ip := net.ParseIP(u.Hostname())
	if (u.Scheme != "http" && u.Scheme != "https") || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s://%s: allowed http or https on a loopback address only", u.Scheme, u.Host)
	}
	return nil
}
