package tfc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tfe "github.com/hashicorp/go-tfe"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
)

// live is what the organization holds of what this package manages; a nil object is absent,
// and one without an ID stands, in a diff, for an object the apply would create.
type live struct {
	project    *tfe.Project
	runTask    *tfe.RunTask
	workspaces map[string]*tfe.Workspace // by name
	roles      map[string]Roles          // by account workspace
	members    map[string]Member         // by lower-cased address
}

// read reads what the desired state depends on and what it is compared with first.
func (s *session) read(ctx context.Context, opts Options) (*live, error) {
	l := &live{workspaces: map[string]*tfe.Workspace{}, roles: map[string]Roles{}, members: map[string]Member{}}
	var err error
	if l.project, err = s.findProject(ctx, opts.Project); err != nil {
		return nil, fmt.Errorf("project %s: %s", opts.Project, s.describe(err))
	}
	if l.runTask, err = s.findRunTask(ctx); err != nil {
		return nil, fmt.Errorf("run task %s: %s", RunTaskName, s.describe(err))
	}
	all := stacks(opts.Accounts, opts.Envs)
	if err := s.readWorkspaces(ctx, l, all); err != nil {
		return nil, err
	}
	var homes []string
	for _, st := range all {
		homes = append(homes, homeStack(st.account))
	}
	for _, home := range uniqueSorted(homes) {
		if err := s.readRoles(ctx, l, home); err != nil {
			return nil, fmt.Errorf("%s: %s", home, err)
		}
	}
	if err := s.readMembers(ctx, l, opts.Envs); err != nil {
		return nil, fmt.Errorf("organization memberships: %s", s.describe(err))
	}
	return l, nil
}

// readWorkspaces reads the workspace of each stack that has one.
func (s *session) readWorkspaces(ctx context.Context, l *live, all []stack) error {
	for _, st := range all {
		ws, err := s.api.Workspaces.Read(ctx, s.org, st.name)
		switch {
		case errors.Is(err, tfe.ErrResourceNotFound):
		case err != nil:
			return fmt.Errorf("%s: %s", st.name, s.describe(err))
		default:
			l.workspaces[st.name] = ws
		}
	}
	return nil
}

func (s *session) findProject(ctx context.Context, name string) (*tfe.Project, error) {
	projects, err := every(func(o tfe.ListOptions) ([]*tfe.Project, *tfe.Pagination, error) {
		l, err := s.api.Projects.List(ctx, s.org, &tfe.ProjectListOptions{ListOptions: o, Name: name})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	return named(projects, err, func(p *tfe.Project) bool { return p.Name == name })
}

func (s *session) findRunTask(ctx context.Context) (*tfe.RunTask, error) {
	tasks, err := every(func(o tfe.ListOptions) ([]*tfe.RunTask, *tfe.Pagination, error) {
		l, err := s.api.RunTasks.List(ctx, s.org, &tfe.RunTaskListOptions{ListOptions: o})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	return named(tasks, err, func(t *tfe.RunTask) bool { return t.Name == RunTaskName })
}

// named is the item of a listing that is, nil when none is.
func named[T any](items []*T, err error, is func(*T) bool) (*T, error) {
	if i := slices.IndexFunc(items, is); i >= 0 {
		return items[i], err
	}
	return nil, err
}

// readRoles reads the role outputs of the account workspace name; one without state (404) or
// without the outputs has not been applied with the roles yet.
func (s *session) readRoles(ctx context.Context, l *live, name string) error {
	ws := l.workspaces[name]
	if ws == nil {
		return nil
	}
	outputs, err := s.api.StateVersionOutputs.ReadCurrent(ctx, ws.ID)
	if errors.Is(err, tfe.ErrResourceNotFound) {
		return nil
	}
	if err != nil {
		return errors.New(s.describe(err))
	}
	values := map[string]any{}
	for _, o := range outputs.Items {
		values[o.Name] = o.Value
	}
	if values[naming.PlanRolesOutput] == nil || values[naming.ApplyRolesOutput] == nil {
		return nil
	}
	var r Roles
	if r.Plan, err = arns(naming.PlanRolesOutput, values[naming.PlanRolesOutput]); err != nil {
		return err
	}
	if r.Apply, err = arns(naming.ApplyRolesOutput, values[naming.ApplyRolesOutput]); err != nil {
		return err
	}
	l.roles[name] = r
	return nil
}

// arns is an output's value as a map of role ARNs by workspace.
func arns(name string, value any) (map[string]string, error) {
	bad := fmt.Errorf("output %s: want a map of role ARNs by workspace", name)
	m, ok := value.(map[string]any)
	if !ok {
		return nil, bad
	}
	out := make(map[string]string, len(m))
	for ws, v := range m {
		arn, ok := v.(string)
		if !ok {
			return nil, bad
		}
		out[ws] = arn
	}
	return out, nil
}

// readMembers reads the memberships of every alarm address.
func (s *session) readMembers(ctx context.Context, l *live, envs []envconfig.Environment) error {
	var emails []string
	for _, e := range envs {
		emails = append(emails, e.Notify.Emails...)
	}
	if len(emails) == 0 {
		return nil
	}
	members, err := every(func(o tfe.ListOptions) ([]*tfe.OrganizationMembership, *tfe.Pagination, error) {
		l, err := s.api.OrganizationMemberships.List(ctx, s.org, &tfe.OrganizationMembershipListOptions{ListOptions: o, Emails: uniqueSorted(emails)})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.User != nil {
			l.members[strings.ToLower(m.Email)] = Member{UserID: m.User.ID, Active: m.Status == tfe.OrganizationMembershipActive}
			s.users[m.User.ID] = m.Email
		}
	}
	return nil
}

// every reads all pages of a listing: go-tfe returns one page per call.
func every[T any](page func(tfe.ListOptions) ([]T, *tfe.Pagination, error)) ([]T, error) {
	var all []T
	opts := tfe.ListOptions{PageNumber: 1, PageSize: 100}
	for {
		items, p, err := page(opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if p == nil || p.NextPage <= opts.PageNumber {
			return all, nil
		}
		opts.PageNumber = p.NextPage
	}
}
