// Differential test: one script of Go-client calls, run against the real Maestro server and
// against maestro-bun, each with sdk-go's work agent client on its broker port. Everything the
// Go clients hand to their users (the works they return, watch events, list results, error
// texts, the works the agent decodes) and the REST JSON are recorded, normalised (times, random
// ids) and must be equal between the two servers, except for the differences we chose, which
// are listed in `deliberate` with the reason.

package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/openshift-online/maestro/pkg/client/cloudevents/grpcsource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	workv1 "open-cluster-management.io/api/work/v1"
)

// transcript is what one server made the clients observe, by step name.
type transcript struct {
	mu      sync.Mutex
	entries map[string]string
}

func (tr *transcript) record(key string, value any) {
	raw, err := json.Marshal(value)
	if err != nil {
		panic(err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		panic(err)
	}
	normalized, _ := json.MarshalIndent(normalize("", generic), "", "  ")
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.entries[key] = string(normalized)
}

// grpcCodeInText is the gRPC code in a Go client's error text: ours is precise where Maestro
// says Unknown (a deliberate difference, docs/compatibility.md); the text after it must match.
var grpcCodeInText = regexp.MustCompile(`code = \w+`)

// timeKeys hold times that differ between any two runs; only their presence is compared.
var timeKeys = map[string]bool{
	"creationTimestamp": true, "deletionTimestamp": true, "lastTransitionTime": true,
	"created_at": true, "updated_at": true, "deleted_at": true,
}

// normalize replaces run-specific values: times, snowflake sequence ids, operation ids and
// consumer ids (random UUIDs; work ids are UUIDv5 of source, cluster and name, so they match).
func normalize(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range x {
			out[k] = normalize(k, child)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, child := range x {
			out[i] = normalize(key, child)
		}
		return out
	case string:
		switch {
		case timeKeys[key] && x != "":
			return "<time>"
		case key == "SequenceID" || key == "cloudevents.open-cluster-management.io/sequenceid":
			return "<sequence id>"
		case key == "operation_id":
			return "<operation id>"
		}
		return grpcCodeInText.ReplaceAllString(x, "code = <grpc code>")
	}
	return v
}

// withoutID replaces the consumer's random id in recorded JSON.
func withoutID(raw, id string) string { return strings.ReplaceAll(raw, id, "<consumer id>") }

// deliberate lists the recorded steps that differ on purpose, with what differs and why (each
// also in docs/compatibility.md). Their values are logged, not compared.
var deliberate = map[string]string{
	"agent: spec events of w1, in order": "a work created while its agent is away reaches the agent once, " +
		"through the spec resync when it connects; Maestro also keeps the create in its events table and " +
		"sends it again as a create_request once the agent is there (the agent ignores the duplicate)",
}

func restJSON(t testing.TB, method, rawURL, body string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var decoded any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &decoded); err != nil {
			decoded = string(raw)
		}
	}
	return res.StatusCode, decoded
}

// richWork uses every ManifestWork spec field the bundle carries: manifests, delete option,
// manifest configs (feedback rules, update strategy).
func richWork(name string) *workv1.ManifestWork {
	w := configMapWork(name, map[string]string{"app": "a", "tier": "front"}, "v1")
	w.Annotations = map[string]string{"note": "differential"}
	w.Spec.DeleteOption = &workv1.DeleteOption{
		PropagationPolicy: workv1.DeletePropagationPolicyTypeSelectivelyOrphan,
		SelectivelyOrphan: &workv1.SelectivelyOrphan{OrphaningRules: []workv1.OrphaningRule{{Resource: "configmaps", Name: name, Namespace: "default"}}},
	}
	w.Spec.ManifestConfigs = []workv1.ManifestConfigOption{{
		ResourceIdentifier: workv1.ResourceIdentifier{Resource: "configmaps", Name: name, Namespace: "default"},
		FeedbackRules:      []workv1.FeedbackRule{{Type: workv1.JSONPathsType, JsonPaths: []workv1.JsonPath{{Name: "data", Path: ".data"}}}},
		UpdateStrategy:     &workv1.UpdateStrategy{Type: workv1.UpdateStrategyTypeServerSideApply, ServerSideApply: &workv1.ServerSideApplyConfig{FieldManager: "interop", Force: true}},
	}}
	return w
}

func runScript(t *testing.T, e *endpoints, cluster, source string) *transcript {
	tr := &transcript{entries: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := e.rest + "/api/maestro/v1"

	code, consumer := restJSON(t, http.MethodPost, api+"/consumers", fmt.Sprintf(`{"name":%q,"labels":{"env":"interop"}}`, cluster))
	consumerID, _ := consumer.(map[string]any)["id"].(string)
	tr.record("rest: POST /consumers", map[string]any{"code": code, "body": consumer})
	code, list := restJSON(t, http.MethodGet, api+"/consumers?search="+url.QueryEscape(fmt.Sprintf("name='%s'", cluster)), "")
	tr.record("rest: GET /consumers?search=name", map[string]any{"code": code, "body": list})
	code, dup := restJSON(t, http.MethodPost, api+"/consumers", fmt.Sprintf(`{"name":%q}`, cluster))
	tr.record("rest: POST /consumers (duplicate)", map[string]any{"code": code, "body": dup})
	code, missing := restJSON(t, http.MethodGet, api+"/resource-bundles/does-not-exist", "")
	tr.record("rest: GET /resource-bundles/<missing>", map[string]any{"code": code, "body": missing})
	code, badSearch := restJSON(t, http.MethodGet, api+"/resource-bundles?search="+url.QueryEscape("source = = 'x'"), "")
	tr.record("rest: GET /resource-bundles?search=<unparsable>", map[string]any{"code": code, "body": badSearch})

	works := newWorkClient(t, ctx, e, source)
	watcher, err := newWorkClient(t, ctx, e, source).ManifestWorks(cluster).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	watched := collectWatch(ctx, watcher)

	// w1 exists before the agent connects, so the agent gets it from its spec resync (once);
	// everything later reaches it live. The order is the same on both servers.
	created, err := works.ManifestWorks(cluster).Create(ctx, richWork("w1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	tr.record("client: Create(w1) returns", created)
	_, err = works.ManifestWorks(cluster).Create(ctx, richWork("w1"), metav1.CreateOptions{})
	tr.record("client: Create(w1) again", fmt.Sprint(err))
	agent := startSDKAgent(t, ctx, cluster, e.broker)
	agentWork := func(name string) *workv1.ManifestWork {
		w, err := agent.lister.ManifestWorks(cluster).Get(string(workUID(source, cluster, name)))
		if err != nil {
			t.Fatalf("agent's %s: %v", name, err)
		}
		// The agent store's own counter of the writes it saw (one more with Maestro, see
		// `deliberate`); not something the server sends.
		w = w.DeepCopy()
		w.ResourceVersion = ""
		// Maestro sends creationTimestamp (created_at) on live spec events but the stored
		// metadata (the source's, usually without one) in spec resync answers, so with Maestro
		// it depends on which of the two the agent got last. We always send created_at.
		w.CreationTimestamp = metav1.Time{}
		return w
	}

	got := waitWork(t, ctx, works, cluster, "w1", statusTimeout, "w1 applied", appliedAt(1))
	tr.record("client: Get(w1) with status", got)
	tr.record("agent: w1 as sdk-go decoded it", agentWork("w1"))
	code, bundle := restJSON(t, http.MethodGet, api+"/resource-bundles/"+string(created.UID), "")
	tr.record("rest: GET /resource-bundles/<w1>", map[string]any{"code": code, "body": bundle})

	changed := got.DeepCopy()
	changed.Labels["patched"] = "yes"
	changed.Spec.Workload.Manifests = []workv1.Manifest{configMap("w1", "v2")}
	patch, err := grpcsource.ToWorkPatch(got, changed)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := works.ManifestWorks(cluster).Patch(ctx, "w1", types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	tr.record("client: Patch(w1) returns", patched)
	got = waitWork(t, ctx, works, cluster, "w1", statusTimeout, "w1 applied at generation 2", appliedAt(2))
	tr.record("client: Get(w1) after patch", got)
	eventuallyAgentHas(t, agent, workUID(source, cluster, "w1"), 2)
	tr.record("agent: w1 after patch", agentWork("w1"))
	_, err = works.ManifestWorks(cluster).Patch(ctx, "w1", types.MergePatchType, patch, metav1.PatchOptions{})
	tr.record("client: stale Patch(w1)", fmt.Sprint(err))

	if _, err := works.ManifestWorks(cluster).Create(ctx, configMapWork("w2", map[string]string{"app": "b"}, "v1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWork(t, ctx, works, cluster, "w2", statusTimeout, "w2 applied", appliedAt(1))
	for _, selector := range []string{"", "app=a", "app!=a", "app in (a,b)", "app notin (b)", "tier", "app=a,patched=yes"} {
		names, _ := listNames(t, ctx, works, cluster, metav1.ListOptions{LabelSelector: selector})
		tr.record("client: List("+selector+")", names)
	}
	page1, next := listNames(t, ctx, works, cluster, metav1.ListOptions{Limit: 1})
	page2, last := listNames(t, ctx, works, cluster, metav1.ListOptions{Limit: 1, Continue: next})
	tr.record("client: List(limit 1) pages", map[string]any{"page1": len(page1), "continue1": next, "page2": len(page2), "continue2": last})
	code, search := restJSON(t, http.MethodGet, api+"/resource-bundles?search="+url.QueryEscape(fmt.Sprintf("source='%s' and consumer_name='%s'", source, cluster))+"&orderBy=name", "")
	tr.record("rest: GET /resource-bundles?search=source,consumer_name&orderBy=name", map[string]any{"code": code, "body": search})

	if err := works.ManifestWorks(cluster).Delete(ctx, "w1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ctx, works, cluster, "w1")
	_, err = works.ManifestWorks(cluster).Get(ctx, "w1", metav1.GetOptions{})
	tr.record("client: Get(w1) after delete", fmt.Sprint(err))
	eventually(t, statusTimeout, "DELETED w1", func() error {
		if watched.find(watch.Deleted, "w1", nil) == nil {
			return errNotYet
		}
		return nil
	})
	tr.record("client: watch DELETED w1", watched.find(watch.Deleted, "w1", nil))
	tr.record("agent: spec events of w1, in order", agent.specEvents(workUID(source, cluster, "w1")))
	tr.record("agent: spec events of w2, in order", agent.specEvents(workUID(source, cluster, "w2")))
	events := []string{}
	for _, evt := range watchedEvents(watched) {
		events = append(events, evt)
	}
	sort.Strings(events)
	tr.record("client: watch events (distinct)", events)
	code, consumerAfter := restJSON(t, http.MethodGet, api+"/consumers/"+consumerID, "")
	raw, _ := json.Marshal(map[string]any{"code": code, "body": consumerAfter})
	tr.record("rest: GET /consumers/<id>", json.RawMessage(withoutID(string(raw), consumerID)))
	code, blocked := restJSON(t, http.MethodDelete, api+"/consumers/"+consumerID, "")
	raw, _ = json.Marshal(map[string]any{"code": code, "body": blocked})
	tr.record("rest: DELETE /consumers/<id> with a work left", json.RawMessage(withoutID(string(raw), consumerID)))
	for key, value := range tr.entries {
		tr.entries[key] = withoutID(value, consumerID)
	}
	return tr
}

func eventuallyAgentHas(t *testing.T, agent *sdkAgent, uid types.UID, generation int64) {
	t.Helper()
	eventually(t, statusTimeout, "agent has the new generation", func() error {
		if agent.received(uid) < generation {
			return errNotYet
		}
		return nil
	})
}

// watchedEvents summarises each watch event: type, work, generation, which times are set,
// and the work condition types and statuses.
func watchedEvents(l *watchLog) map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]string{}
	for _, evt := range l.events {
		w, ok := evt.Object.(*workv1.ManifestWork)
		if !ok {
			continue
		}
		conditions := []string{}
		for _, c := range w.Status.Conditions {
			conditions = append(conditions, fmt.Sprintf("%s=%s@%d", c.Type, c.Status, c.ObservedGeneration))
		}
		summary := fmt.Sprintf("%s %s gen=%d created=%t deleting=%t labels=%v conditions=%v feedback=%q manifests=%d",
			evt.Type, w.Name, w.Generation, !w.CreationTimestamp.IsZero(), w.DeletionTimestamp != nil,
			labels.Set(w.Labels).String(), conditions, observedValue(w), len(w.Spec.Workload.Manifests))
		out[summary] = summary
	}
	return out
}

func TestDifferential(t *testing.T) {
	cluster, source := "interop-diff", "interop-diff-source"
	var upstream, ours *transcript
	t.Run("maestro", func(t *testing.T) { upstream = runScript(t, startRealMaestro(t), cluster, source) })
	t.Run("maestro-bun", func(t *testing.T) { ours = runScript(t, startOurServer(t), cluster, source) })
	if upstream == nil || ours == nil {
		t.Fatal("a script did not finish")
	}
	keys := []string{}
	for key := range upstream.entries {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		t.Run("same/"+key, func(t *testing.T) {
			want, got := upstream.entries[key], ours.entries[key]
			if want == got {
				return
			}
			if why, ok := deliberate[key]; ok {
				t.Logf("differs on purpose (%s)\nmaestro:\n%s\nmaestro-bun:\n%s", why, want, got)
				return
			}
			t.Errorf("maestro:\n%s\nmaestro-bun:\n%s", want, got)
		})
	}
}
