package tfc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	tfe "github.com/hashicorp/go-tfe"
)

// session is one diff or apply: it reports each difference and, when applying, makes it.
type session struct {
	api         *tfe.Client
	org         string
	tokenSource string
	apply       bool
	out         io.Writer
	changes     int
	errs        []error
	users       map[string]string // user id -> address, to print users as addresses
}

// reconcile compares Terraform Cloud with the repository and, when apply, makes them match.
func reconcile(ctx context.Context, opts Options, out io.Writer, apply bool) (int, error) {
	s, err := connect(ctx, opts, out, apply)
	if err != nil {
		return 0, err
	}
	l, err := s.read(ctx, opts)
	if err != nil {
		return 0, err
	}
	want, err := Plan(Inputs{
		Organization: opts.Organization, Project: opts.Project, Accounts: opts.Accounts, Envs: opts.Envs,
		Roles: l.roles, Members: l.members, HMACKey: opts.HMACKey,
	})
	s.errs = append(s.errs, err)
	for _, p := range want.Pending {
		fmt.Fprintln(out, "tfc: pending: "+p)
	}
	l.project = create(s, "project "+want.Project, &tfe.Project{Name: want.Project}, l.project, func() (*tfe.Project, error) {
		return s.api.Projects.Create(ctx, s.org, tfe.ProjectCreateOptions{Name: want.Project})
	})
	if l.project == nil {
		return s.changes, errors.Join(s.errs...) // no workspace without its project
	}
	s.runTask(ctx, want.RunTask, l)
	// Every workspace first: run triggers name other workspaces.
	for _, w := range want.Workspaces {
		s.workspace(ctx, w, l)
	}
	for _, w := range want.Workspaces {
		s.attached(ctx, w, l)
	}
	if s.changes == 0 {
		fmt.Fprintln(out, "tfc: in sync")
	} else {
		fmt.Fprintf(out, "tfc: %d changes\n", s.changes)
	}
	return s.changes, errors.Join(s.errs...)
}

// connect opens the API and checks that the organization exists and the token is accepted.
func connect(ctx context.Context, opts Options, out io.Writer, apply bool) (*session, error) {
	api, err := tfe.NewClient(&tfe.Config{
		Address: opts.Address,
		Token:   opts.Token.Value,
		// go-tfe retries 429s itself, waiting as X-RateLimit-Reset says.
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Address, err)
	}
	s := &session{api: api, org: opts.Organization, tokenSource: opts.Token.Source, apply: apply, out: out, users: map[string]string{}}
	_, err = api.Organizations.Read(ctx, opts.Organization)
	switch {
	case errors.Is(err, tfe.ErrResourceNotFound):
		return nil, fmt.Errorf("organization %q: not found (404), or the token cannot see it: create it in Terraform Cloud, or set envconfig.Pipeline.Organization", opts.Organization)
	case err != nil:
		return nil, fmt.Errorf("organization %q at %s: %s", opts.Organization, opts.Address, s.describe(err))
	}
	return s, nil
}

// report counts and prints one difference.
func (s *session) report(subject, field, current, desired string) {
	s.changes++
	if field != "" {
		subject += ": " + field
	}
	fmt.Fprintf(s.out, "tfc: %s: %s -> %s\n", subject, current, desired)
}

// write makes a reported change when applying; a failure is one error line, and the rest goes on.
func (s *session) write(subject string, do func() error) {
	if !s.apply {
		return
	}
	if err := do(); err != nil {
		s.fail(subject, err)
	}
}

func (s *session) fail(subject string, err error) {
	s.errs = append(s.errs, fmt.Errorf("%s: %s", subject, s.describe(err)))
}

// describe says what went wrong in one line.
func (s *session) describe(err error) string {
	switch {
	case errors.Is(err, tfe.ErrUnauthorized):
		return "the token from " + s.tokenSource + " was refused (401): create a new one (terraform login)"
	case errors.Is(err, tfe.ErrResourceNotFound):
		return "not found (404), or the token cannot see it"
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// create returns cur, or reports the missing object and, when applying, creates it (nil if
// that fails). In a diff the placeholder (no ID) stands for it, so what hangs off it shows as
// missing too.
func create[T any](s *session, subject string, placeholder, cur *T, make func() (*T, error)) *T {
	if cur != nil {
		return cur
	}
	s.report(subject, "", "absent", "present")
	if !s.apply {
		return placeholder
	}
	made, err := make()
	if err != nil {
		s.fail(subject, err)
		return nil
	}
	return made
}

// setting is one managed attribute as printed; set puts the desired value into an update.
type setting struct {
	name, current, desired string
	set                    func()
}

// settings reports each setting that differs and puts it into the update; it says whether any did.
func (s *session) settings(subject string, list []setting) bool {
	changed := false
	for _, st := range list {
		if st.current != st.desired {
			s.report(subject, st.name, st.current, st.desired)
			st.set()
			changed = true
		}
	}
	return changed
}

func (s *session) runTask(ctx context.Context, want *RunTask, l *live) {
	if want == nil {
		return
	}
	subject := "run task " + want.Name
	if l.runTask == nil && want.HMACKey == "" {
		fmt.Fprintln(s.out, "tfc: pending: "+HMACKeyVariable+" is not set: make run-task-key creates the key and the run task")
		return
	}
	l.runTask = create(s, subject, &tfe.RunTask{Name: want.Name}, l.runTask, func() (*tfe.RunTask, error) {
		t, err := s.api.RunTasks.Create(ctx, s.org, tfe.RunTaskCreateOptions{
			Name: want.Name, URL: want.URL, Description: &want.Description, Category: "task",
			HMACKey: &want.HMACKey, Enabled: tfe.Bool(true),
		})
		return t, verified(err, want.URL)
	})
	if l.runTask == nil || l.runTask.ID == "" {
		return
	}
	var opts tfe.RunTaskUpdateOptions
	list := []setting{
		{"url", strconv.Quote(l.runTask.URL), strconv.Quote(want.URL), func() { opts.URL = &want.URL }},
		{"category", l.runTask.Category, "task", func() { opts.Category = tfe.String("task") }},
		{"enabled", strconv.FormatBool(l.runTask.Enabled), "true", func() { opts.Enabled = tfe.Bool(true) }},
	}
	if want.HMACKey != "" {
		list = append(list, setting{"hmac key fingerprint", keyFingerprint(l.runTask.Description), fingerprint(want.HMACKey), func() {
			opts.HMACKey, opts.Description = &want.HMACKey, &want.Description
		}})
	}
	if s.settings(subject, list) {
		id := l.runTask.ID
		s.write(subject, func() error {
			_, err := s.api.RunTasks.Update(ctx, id, opts)
			return verified(err, want.URL)
		})
	}
}

// verified explains a run task write HCP Terraform refused: it sends the URL a test request
// first and saves nothing unless the endpoint answers 200.
// https://developer.hashicorp.com/terraform/cloud-docs/integrations/run-tasks#prerequisites
func verified(err error, url string) error {
	if err == nil || errors.Is(err, tfe.ErrUnauthorized) {
		return err
	}
	return fmt.Errorf("%w (HCP Terraform saves a run task only if %s answers its test request with 200: is the endpoint deployed and answering?)", err, url)
}

// workspace creates w's workspace or brings its settings in line.
func (s *session) workspace(ctx context.Context, w Workspace, l *live) {
	cur := l.workspaces[w.Name]
	l.workspaces[w.Name] = create(s, w.Name, &tfe.Workspace{Name: w.Name}, cur, func() (*tfe.Workspace, error) {
		return s.api.Workspaces.Create(ctx, s.org, tfe.WorkspaceCreateOptions{
			Name: &w.Name, Description: &w.Description, ExecutionMode: &w.ExecutionMode,
			TerraformVersion: &w.TerraformVersion, WorkingDirectory: &w.WorkingDirectory,
			AutoApply: &w.AutoApply, AutoApplyRunTrigger: &w.AutoApply, Project: l.project,
		})
	})
	if cur == nil {
		return
	}
	var opts tfe.WorkspaceUpdateOptions
	if s.settings(w.Name, workspaceSettings(cur, w, l.project, &opts)) {
		s.write(w.Name, func() error {
			_, err := s.api.Workspaces.UpdateByID(ctx, cur.ID, opts)
			return err
		})
	}
}

func workspaceSettings(cur *tfe.Workspace, w Workspace, project *tfe.Project, opts *tfe.WorkspaceUpdateOptions) []setting {
	b := strconv.FormatBool
	return []setting{
		{"description", strconv.Quote(cur.Description), strconv.Quote(w.Description), func() { opts.Description = &w.Description }},
		{"execution-mode", cur.ExecutionMode, w.ExecutionMode, func() { opts.ExecutionMode = &w.ExecutionMode }},
		{"terraform-version", cur.TerraformVersion, w.TerraformVersion, func() { opts.TerraformVersion = &w.TerraformVersion }},
		{"working-directory", strconv.Quote(cur.WorkingDirectory), strconv.Quote(w.WorkingDirectory), func() { opts.WorkingDirectory = &w.WorkingDirectory }},
		{"auto-apply", b(cur.AutoApply), b(w.AutoApply), func() { opts.AutoApply = &w.AutoApply }},
		{"auto-apply-run-trigger", b(cur.AutoApplyRunTrigger), b(w.AutoApply), func() { opts.AutoApplyRunTrigger = &w.AutoApply }},
		{"project", projectOf(cur), projectID(project), func() { opts.Project = project }},
	}
}

func projectOf(w *tfe.Workspace) string {
	if w.Project == nil {
		return "none"
	}
	return w.Project.ID
}

// projectID is p's id, or its name while a diff only plans to create it.
func projectID(p *tfe.Project) string {
	if p.ID == "" {
		return "new project " + strconv.Quote(p.Name)
	}
	return p.ID
}
