package tfc

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tfe "github.com/hashicorp/go-tfe"
)

// attached brings what hangs off w's workspace in line: variables, run triggers, the run task
// attachment and the notifications. A workspace that is absent (or only planned) has none.
func (s *session) attached(ctx context.Context, w Workspace, l *live) {
	ws := l.workspaces[w.Name]
	if ws == nil { // its creation failed: already reported
		return
	}
	s.variables(ctx, w, ws.ID)
	s.triggers(ctx, w, ws.ID, l)
	s.attachment(ctx, w.Name, ws.ID, l.runTask)
	s.notifications(ctx, w, ws.ID)
}

func (s *session) variables(ctx context.Context, w Workspace, wsID string) {
	cur, err := list(wsID, func(o tfe.ListOptions) ([]*tfe.Variable, *tfe.Pagination, error) {
		l, err := s.api.Variables.List(ctx, wsID, &tfe.VariableListOptions{ListOptions: o})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	if err != nil {
		s.fail(w.Name+": variables", err)
		return
	}
	env := map[string]*tfe.Variable{}
	for _, v := range cur {
		if v.Category == tfe.CategoryEnv {
			env[v.Key] = v
		}
	}
	for _, v := range w.Variables {
		s.variable(ctx, w.Name+": variable "+v.Key, wsID, v, env[v.Key])
	}
	slices.SortFunc(cur, func(a, b *tfe.Variable) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(string(a.Category), string(b.Category)))
	})
	for _, v := range cur {
		if !w.stray(v) {
			continue
		}
		subject := fmt.Sprintf("%s: variable %s", w.Name, v.Key)
		if v.Category != tfe.CategoryEnv {
			subject += " (" + string(v.Category) + ")"
		}
		s.report(subject, "", "present", "absent")
		s.write(subject, func() error { return s.api.Variables.Delete(ctx, wsID, v.ID) })
	}
}

// stray says whether v is a variable of w's workspace that the repository does not hold, and
// so goes: one added by hand (a stored AWS key) included. Role variables stay while the roles
// are not known.
func (w Workspace) stray(v *tfe.Variable) bool {
	if v.Category != tfe.CategoryEnv {
		return true
	}
	if slices.ContainsFunc(w.Variables, func(d Variable) bool { return d.Key == v.Key }) {
		return false
	}
	return !(w.KeepRoles && (v.Key == planRoleVariable || v.Key == applyRoleVariable))
}

func (s *session) variable(ctx context.Context, subject, wsID string, v Variable, cur *tfe.Variable) {
	create := func() error {
		_, err := s.api.Variables.Create(ctx, wsID, tfe.VariableCreateOptions{
			Key: &v.Key, Value: &v.Value, Category: tfe.Category(tfe.CategoryEnv), HCL: tfe.Bool(false), Sensitive: tfe.Bool(false),
		})
		return err
	}
	switch {
	case cur == nil:
		s.report(subject, "", "absent", strconv.Quote(v.Value))
		s.write(subject, create)
	case cur.Sensitive:
		// A sensitive value is written once and never shown again, so it cannot be compared:
		// the variable is made again, in the plain.
		// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspace-variables#create-a-variable
		s.report(subject, "sensitive", "true", "false")
		s.write(subject, func() error {
			if err := s.api.Variables.Delete(ctx, wsID, cur.ID); err != nil {
				return err
			}
			return create()
		})
	default:
		var opts tfe.VariableUpdateOptions
		if s.settings(subject, []setting{
			{"value", strconv.Quote(cur.Value), strconv.Quote(v.Value), func() { opts.Value = &v.Value }},
			{"hcl", strconv.FormatBool(cur.HCL), "false", func() { opts.HCL = tfe.Bool(false) }},
		}) {
			s.write(subject, func() error {
				_, err := s.api.Variables.Update(ctx, wsID, cur.ID, opts)
				return err
			})
		}
	}
}

// triggers keeps exactly w.Triggers as the workspace's inbound run triggers.
func (s *session) triggers(ctx context.Context, w Workspace, wsID string, l *live) {
	cur, err := list(wsID, func(o tfe.ListOptions) ([]*tfe.RunTrigger, *tfe.Pagination, error) {
		l, err := s.api.RunTriggers.List(ctx, wsID, &tfe.RunTriggerListOptions{ListOptions: o, RunTriggerType: tfe.RunTriggerInbound})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	if err != nil {
		s.fail(w.Name+": run triggers", err)
		return
	}
	for _, source := range w.Triggers {
		subject := w.Name + ": run trigger from " + source
		if slices.ContainsFunc(cur, func(t *tfe.RunTrigger) bool { return t.SourceableName == source }) {
			continue
		}
		s.report(subject, "", "absent", "present")
		s.write(subject, func() error {
			src := l.workspaces[source]
			if src == nil {
				return fmt.Errorf("workspace %s does not exist", source)
			}
			_, err := s.api.RunTriggers.Create(ctx, wsID, tfe.RunTriggerCreateOptions{Sourceable: src})
			return err
		})
	}
	for _, t := range cur {
		if !slices.Contains(w.Triggers, t.SourceableName) {
			subject := w.Name + ": run trigger from " + t.SourceableName
			s.report(subject, "", "present", "absent")
			s.write(subject, func() error { return s.api.RunTriggers.Delete(ctx, t.ID) })
		}
	}
}

// attachment keeps the policy pack run task attached as a mandatory post-plan task: a failed
// check stops the run before any apply.
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/tasks/tasks#attach-a-task-to-a-workspace
func (s *session) attachment(ctx context.Context, name, wsID string, task *tfe.RunTask) {
	if task == nil {
		return
	}
	cur, err := list(wsID, func(o tfe.ListOptions) ([]*tfe.WorkspaceRunTask, *tfe.Pagination, error) {
		l, err := s.api.WorkspaceRunTasks.List(ctx, wsID, &tfe.WorkspaceRunTaskListOptions{ListOptions: o})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	if err != nil {
		s.fail(name+": run tasks", err)
		return
	}
	subject := name + ": run task " + task.Name
	i := slices.IndexFunc(cur, func(a *tfe.WorkspaceRunTask) bool { return a.RunTask != nil && a.RunTask.ID == task.ID })
	stages := []tfe.Stage{tfe.PostPlan}
	if i < 0 {
		s.report(subject, "", "absent", "present")
		s.write(subject, func() error {
			_, err := s.api.WorkspaceRunTasks.Create(ctx, wsID, tfe.WorkspaceRunTaskCreateOptions{EnforcementLevel: tfe.Mandatory, RunTask: task, Stages: &stages})
			return err
		})
		return
	}
	a := cur[i]
	opts := tfe.WorkspaceRunTaskUpdateOptions{}
	if s.settings(subject, []setting{
		{"enforcement-level", string(a.EnforcementLevel), string(tfe.Mandatory), func() { opts.EnforcementLevel = tfe.Mandatory }},
		{"stages", stagesOf(a), string(tfe.PostPlan), func() { opts.Stages = &stages }},
	}) {
		s.write(subject, func() error {
			_, err := s.api.WorkspaceRunTasks.Update(ctx, wsID, a.ID, opts)
			return err
		})
	}
}

// stagesOf are a's stages; stage is the deprecated single one.
func stagesOf(a *tfe.WorkspaceRunTask) string {
	if len(a.Stages) == 0 {
		return string(a.Stage)
	}
	var out []string
	for _, st := range a.Stages {
		out = append(out, string(st))
	}
	return strings.Join(out, ",")
}

// list reads every page of what hangs off a workspace; one only planned has nothing yet.
func list[T any](wsID string, page func(tfe.ListOptions) ([]T, *tfe.Pagination, error)) ([]T, error) {
	if wsID == "" {
		return nil, nil
	}
	return every(page)
}

// notifications keeps one configuration named NotificationName per destination w wants.
// Others, named otherwise, are someone else's and stay.
func (s *session) notifications(ctx context.Context, w Workspace, wsID string) {
	cur, err := list(wsID, func(o tfe.ListOptions) ([]*tfe.NotificationConfiguration, *tfe.Pagination, error) {
		l, err := s.api.NotificationConfigurations.List(ctx, wsID, &tfe.NotificationConfigurationListOptions{ListOptions: o})
		if err != nil {
			return nil, nil, err
		}
		return l.Items, l.Pagination, nil
	})
	if err != nil {
		s.fail(w.Name+": notifications", err)
		return
	}
	cur = slices.DeleteFunc(cur, func(c *tfe.NotificationConfiguration) bool { return c.Name != NotificationName })
	for _, n := range w.Notifications {
		var match *tfe.NotificationConfiguration
		if i := slices.IndexFunc(cur, func(c *tfe.NotificationConfiguration) bool { return c.DestinationType == n.Type && c.URL == n.URL }); i >= 0 {
			match = cur[i]
			cur = slices.Delete(cur, i, i+1)
		}
		s.notification(ctx, w.Name, wsID, n, match)
	}
	for _, c := range cur {
		if w.KeepEmail && c.DestinationType == tfe.NotificationDestinationTypeEmail {
			continue
		}
		subject := notificationSubject(w.Name, c.DestinationType, c.URL)
		s.report(subject, "", "present", "absent")
		s.write(subject, func() error { return s.api.NotificationConfigurations.Delete(ctx, c.ID) })
	}
}

func (s *session) notification(ctx context.Context, name, wsID string, n Notification, cur *tfe.NotificationConfiguration) {
	subject := notificationSubject(name, n.Type, n.URL)
	var users []*tfe.User
	for _, id := range n.UserIDs {
		users = append(users, &tfe.User{ID: id})
	}
	var triggers []tfe.NotificationTriggerType
	for _, t := range notifyTriggers {
		triggers = append(triggers, tfe.NotificationTriggerType(t))
	}
	if cur == nil {
		s.report(subject, "", "absent", "present")
		s.write(subject, func() error {
			opts := tfe.NotificationConfigurationCreateOptions{
				DestinationType: &n.Type, Enabled: tfe.Bool(true), Name: tfe.String(NotificationName),
				Triggers: triggers, EmailUsers: users,
			}
			if n.URL != "" {
				opts.URL = &n.URL
			}
			_, err := s.api.NotificationConfigurations.Create(ctx, wsID, opts)
			return err
		})
		return
	}
	var current []string
	for _, u := range cur.EmailUsers {
		current = append(current, u.ID)
	}
	opts := tfe.NotificationConfigurationUpdateOptions{}
	if s.settings(subject, []setting{
		{"enabled", strconv.FormatBool(cur.Enabled), "true", func() { opts.Enabled = tfe.Bool(true) }},
		{"triggers", strings.Join(uniqueSorted(cur.Triggers), ","), strings.Join(uniqueSorted(notifyTriggers), ","), func() { opts.Triggers = triggers }},
		{"users", s.addresses(current), s.addresses(n.UserIDs), func() { opts.EmailUsers = users }},
	}) {
		s.write(subject, func() error {
			_, err := s.api.NotificationConfigurations.Update(ctx, cur.ID, opts)
			return err
		})
	}
}

func notificationSubject(workspace string, t tfe.NotificationDestinationType, url string) string {
	if url != "" {
		return fmt.Sprintf("%s: notification %s (%s %s)", workspace, NotificationName, t, url)
	}
	return fmt.Sprintf("%s: notification %s (%s)", workspace, NotificationName, t)
}

// addresses prints user ids as the addresses they were resolved from, sorted.
func (s *session) addresses(ids []string) string {
	var out []string
	for _, id := range ids {
		if addr, ok := s.users[id]; ok {
			id = addr
		}
		out = append(out, id)
	}
	return "[" + strings.Join(uniqueSorted(out), " ") + "]"
}
