package tfc

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeTFC is a Terraform Cloud on the loopback interface: the JSON:API subset this package
// uses, its state in memory, and a record of every request.
type fakeTFC struct {
	url, token, org string

	mu       sync.Mutex
	requests []request
	objects  []*object // in creation order
	seq      int
	outputs  map[string]map[string]any // current state outputs by workspace name
	members  map[string]string         // address -> user id
	invited  map[string]bool           // addresses that have not accepted their invitation
	refuse   map[string]bool           // URLs that fail HCP Terraform's verification request
}

// request is one request as the fake received it.
type request struct {
	Method, Path string
	Query        url.Values
	Body         map[string]any // the document's data; nil without a body
}

// kind is the request with ids and the organization replaced: "POST /workspaces/:id/vars".
func (r request) kind() string {
	path := orgRe.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v2"), "/organizations/:org")
	return r.Method + " " + idRe.ReplaceAllString(path, "/:id")
}

var (
	orgRe = regexp.MustCompile(`^/organizations/[^/]+`)
	idRe  = regexp.MustCompile(`/(?:ws|var|prj|task|rt|wstask|nc)-\d+`)
)

// object is one stored resource.
type object struct {
	ID, Type, Parent string // parent: the organization or the workspace id it hangs off
	Attrs            map[string]any
	Rels             map[string]any
}

const pageSize = 2 // small, so every listing of more than two spans pages

func newFake(t *testing.T, org, token string) *fakeTFC {
	f := &fakeTFC{token: token, org: org, outputs: map[string]map[string]any{},
		members: map[string]string{}, invited: map[string]bool{}, refuse: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

type handler func(f *fakeTFC, m []string, r request) (int, any)

type route struct {
	method  string
	pattern *regexp.Regexp
	handle  handler
}

func at(method, pattern string, h handler) route {
	return route{method, regexp.MustCompile("^/api/v2/" + pattern + "$"), h}
}

var routes = []route{
	at("GET", `organizations/([^/]+)`, func(f *fakeTFC, m []string, _ request) (int, any) {
		return 200, doc(node("organizations", m[1], map[string]any{"name": m[1]}, nil))
	}),
	at("GET", `organizations/[^/]+/projects`, listed("projects", "filter[names]", "name")),
	at("POST", `organizations/([^/]+)/projects`, created("projects", "prj")),
	at("GET", `organizations/[^/]+/tasks`, listed("tasks", "", "")),
	at("POST", `organizations/([^/]+)/tasks`, verifiedFirst(422, created("tasks", "task"))),
	at("PATCH", `tasks/([^/]+)`, verifiedFirst(422, updated)),
	at("GET", `organizations/[^/]+/workspaces/([^/]+)`, workspaceByName),
	at("POST", `organizations/([^/]+)/workspaces`, created("workspaces", "ws")),
	at("PATCH", `workspaces/([^/]+)`, updated),
	at("GET", `workspaces/([^/]+)/current-state-version-outputs`, outputs),
	at("GET", `organizations/[^/]+/organization-memberships`, memberships),
	at("GET", `workspaces/([^/]+)/vars`, listed("vars", "", "")),
	at("POST", `workspaces/([^/]+)/vars`, created("vars", "var")),
	at("PATCH", `workspaces/[^/]+/vars/([^/]+)`, updated),
	at("DELETE", `workspaces/[^/]+/vars/([^/]+)`, deleted),
	at("GET", `workspaces/([^/]+)/run-triggers`, listed("run-triggers", "", "")),
	at("POST", `workspaces/([^/]+)/run-triggers`, runTriggerCreated),
	at("DELETE", `run-triggers/([^/]+)`, deleted),
	at("GET", `workspaces/([^/]+)/tasks`, listed("workspace-tasks", "", "")),
	at("POST", `workspaces/([^/]+)/tasks`, created("workspace-tasks", "wstask")),
	at("PATCH", `workspaces/[^/]+/tasks/([^/]+)`, updated),
	at("DELETE", `workspaces/[^/]+/tasks/([^/]+)`, deleted),
	at("GET", `workspaces/([^/]+)/notification-configurations`, listed("notification-configurations", "", "")),
	at("POST", `workspaces/([^/]+)/notification-configurations`, verifiedFirst(400, created("notification-configurations", "nc"))),
	at("PATCH", `notification-configurations/([^/]+)`, verifiedFirst(400, updated)),
	at("DELETE", `notification-configurations/([^/]+)`, deleted),
}

func (f *fakeTFC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		var d struct{ Data map[string]any }
		if err := json.Unmarshal(data, &d); err != nil {
			panic(fmt.Sprintf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err))
		}
		req.Body = d.Data
	}
	f.requests = append(f.requests, req)
	status, body := f.serve(r, req)
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(status)
	if body != nil {
		json.NewEncoder(w).Encode(body)
	}
}

func (f *fakeTFC) serve(r *http.Request, req request) (int, any) {
	if req.Path == "/api/v2/ping" {
		return 204, nil
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		return failure(401, "unauthorized")
	}
	if strings.HasPrefix(req.Path, "/api/v2/organizations/") && strings.Split(req.Path, "/")[4] != f.org {
		return failure(404, "not found")
	}
	for _, rt := range routes {
		if m := rt.pattern.FindStringSubmatch(req.Path); m != nil && rt.method == req.Method {
			return rt.handle(f, m, req)
		}
	}
	panic("the fake does not serve " + req.Method + " " + req.Path)
}

func failure(status int, title string) (int, any) {
	return status, map[string]any{"errors": []any{map[string]any{"status": strconv.Itoa(status), "title": title}}}
}

func doc(data any) map[string]any { return map[string]any{"data": data} }

func node(typ, id string, attrs, rels map[string]any) map[string]any {
	n := map[string]any{"type": typ, "id": id, "attributes": attrs}
	if rels != nil {
		n["relationships"] = rels
	}
	return n
}

func (o *object) node() map[string]any { return node(o.Type, o.ID, o.Attrs, o.Rels) }

func ref(typ, id string) map[string]any {
	return map[string]any{"data": map[string]any{"type": typ, "id": id}}
}

// page is one page of nodes with JSON:API pagination metadata.
func page(nodes []map[string]any, q url.Values) (int, any) {
	number, _ := strconv.Atoi(q.Get("page[number]"))
	number = max(number, 1)
	total := max((len(nodes)+pageSize-1)/pageSize, 1)
	from, to := min((number-1)*pageSize, len(nodes)), min(number*pageSize, len(nodes))
	next := any(nil)
	if number < total {
		next = number + 1
	}
	return 200, map[string]any{"data": nodes[from:to], "meta": map[string]any{"pagination": map[string]any{
		"current-page": number, "next-page": next, "total-pages": total, "total-count": len(nodes)}}}
}

// listed lists typ under the path's parent; filter, when set, is a query parameter that
// selects by the attribute attr.
func listed(typ, filter, attr string) handler {
	return func(f *fakeTFC, m []string, r request) (int, any) {
		parent := f.org
		if len(m) > 1 {
			parent = m[1]
		}
		var nodes []map[string]any
		for _, o := range f.objects {
			if o.Type == typ && o.Parent == parent && (filter == "" || o.Attrs[attr] == r.Query.Get(filter)) {
				nodes = append(nodes, o.node())
			}
		}
		return page(nodes, r.Query)
	}
}

// created stores the request's object under the path's parent.
func created(typ, prefix string) handler {
	return func(f *fakeTFC, m []string, r request) (int, any) {
		return 201, doc(f.add(typ, prefix, m[1], r.Body).node())
	}
}

func (f *fakeTFC) add(typ, prefix, parent string, data map[string]any) *object {
	f.seq++
	o := &object{ID: fmt.Sprintf("%s-%d", prefix, f.seq), Type: typ, Parent: parent, Attrs: map[string]any{}, Rels: map[string]any{}}
	f.merge(o, data)
	f.objects = append(f.objects, o)
	return o
}

// merge writes data's attributes and relationships into o; the API never returns an HMAC key.
func (f *fakeTFC) merge(o *object, data map[string]any) {
	attrs, _ := data["attributes"].(map[string]any)
	for k, v := range attrs {
		o.Attrs[k] = v
	}
	delete(o.Attrs, "hmac-key")
	if stages, ok := o.Attrs["stages"].([]any); ok && len(stages) > 0 {
		o.Attrs["stage"] = stages[0]
	}
	rels, _ := data["relationships"].(map[string]any)
	for k, v := range rels {
		o.Rels[k] = v
	}
}

func (f *fakeTFC) byID(id string) *object {
	i := slices.IndexFunc(f.objects, func(o *object) bool { return o.ID == id })
	if i < 0 {
		return nil
	}
	return f.objects[i]
}

func updated(f *fakeTFC, m []string, r request) (int, any) {
	o := f.byID(m[1])
	if o == nil {
		return failure(404, "not found")
	}
	f.merge(o, r.Body)
	return 200, doc(o.node())
}

func deleted(f *fakeTFC, m []string, _ request) (int, any) {
	if f.byID(m[1]) == nil {
		return failure(404, "not found")
	}
	f.objects = slices.DeleteFunc(f.objects, func(o *object) bool { return o.ID == m[1] })
	return 204, nil
}

// verifiedFirst answers with status, saving nothing, as HCP Terraform does when a URL does
// not answer its verification request.
func verifiedFirst(status int, next handler) handler {
	return func(f *fakeTFC, m []string, r request) (int, any) {
		attrs, _ := r.Body["attributes"].(map[string]any)
		if u, _ := attrs["url"].(string); f.refuse[u] {
			return failure(status, "Url could not be verified: the endpoint did not answer 200")
		}
		return next(f, m, r)
	}
}

func workspaceByName(f *fakeTFC, m []string, _ request) (int, any) {
	if ws := f.workspace(m[1]); ws != nil {
		return 200, doc(ws.node())
	}
	return failure(404, "not found")
}

func (f *fakeTFC) workspace(name string) *object {
	i := slices.IndexFunc(f.objects, func(o *object) bool { return o.Type == "workspaces" && o.Attrs["name"] == name })
	if i < 0 {
		return nil
	}
	return f.objects[i]
}

func runTriggerCreated(f *fakeTFC, m []string, r request) (int, any) {
	rels, _ := r.Body["relationships"].(map[string]any)
	source := f.byID(rels["sourceable"].(map[string]any)["data"].(map[string]any)["id"].(string))
	o := f.add("run-triggers", "rt", m[1], r.Body)
	o.Attrs["sourceable-name"], o.Attrs["workspace-name"] = source.Attrs["name"], f.byID(m[1]).Attrs["name"]
	o.Rels["workspace"] = ref("workspaces", m[1])
	return 201, doc(o.node())
}

func outputs(f *fakeTFC, m []string, _ request) (int, any) {
	values, ok := f.outputs[f.byID(m[1]).Attrs["name"].(string)]
	if !ok {
		return failure(404, "not found")
	}
	var nodes []any
	for _, name := range slices.Sorted(maps.Keys(values)) {
		nodes = append(nodes, node("state-version-outputs", "wsout-"+name, map[string]any{"name": name, "sensitive": false, "type": "object", "value": values[name]}, nil))
	}
	return 200, doc(nodes)
}

func memberships(f *fakeTFC, _ []string, r request) (int, any) {
	var wanted []string
	for _, v := range r.Query["filter[email]"] {
		wanted = append(wanted, strings.Split(v, ",")...)
	}
	var nodes []map[string]any
	for _, addr := range slices.Sorted(maps.Keys(f.members)) {
		if !slices.Contains(wanted, addr) {
			continue
		}
		status := "active"
		if f.invited[addr] {
			status = "invited"
		}
		nodes = append(nodes, node("organization-memberships", "ou-"+f.members[addr], map[string]any{"email": addr, "status": status},
			map[string]any{"user": ref("users", f.members[addr])}))
	}
	return page(nodes, r.Query)
}

// What tests read and change by hand, as someone in the UI would.

func (f *fakeTFC) log() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeTFC) forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// writes counts the requests that change something, by kind.
func (f *fakeTFC) writes() map[string]int {
	out := map[string]int{}
	for _, r := range f.log() {
		if r.Method != "GET" {
			out[r.kind()]++
		}
	}
	return out
}

// find is the object of typ under the named workspace (or the organization, for "") that is.
func (f *fakeTFC) find(typ, workspace string, is func(*object) bool) *object {
	f.mu.Lock()
	defer f.mu.Unlock()
	parent := f.org
	if workspace != "" {
		parent = f.workspace(workspace).ID
	}
	i := slices.IndexFunc(f.objects, func(o *object) bool { return o.Type == typ && o.Parent == parent && is(o) })
	if i < 0 {
		return nil
	}
	return f.objects[i]
}

// edit changes the first object of typ under workspace that is, as someone in the UI would.
func (f *fakeTFC) edit(typ, workspace string, is func(*object) bool, change func(*object)) {
	o := f.find(typ, workspace, is)
	f.mu.Lock()
	defer f.mu.Unlock()
	change(o)
}

func (f *fakeTFC) remove(o *object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects = slices.DeleteFunc(f.objects, func(x *object) bool { return x == o })
}

// put stores o as it is, under the named workspace (or the organization, for "").
func (f *fakeTFC) put(workspace string, o *object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o.Parent = f.org
	if workspace != "" {
		o.Parent = f.workspace(workspace).ID
	}
	f.objects = append(f.objects, o)
}

func (f *fakeTFC) addVariable(workspace, key, value, category string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.add("vars", "var", f.workspace(workspace).ID, map[string]any{"attributes": map[string]any{
		"key": key, "value": value, "category": category, "hcl": false, "sensitive": false}})
}

func attr(name string, value any) func(*object) bool {
	return func(o *object) bool { return o.Attrs[name] == value }
}

func anyObject(*object) bool { return true }

func set(name string, value any) func(*object) { return func(o *object) { o.Attrs[name] = value } }
