// Scenario 3: maestro-bun's agent (one simulated cluster) against the real Go `maestro server`
// (--message-broker-type=grpc, on a scratch PostgreSQL database). Works are created with
// Maestro's Go work client; the agent applies them and reports status, follows a patch,
// confirms a delete, and after a restart catches up through the spec resync.

package interop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openshift-online/maestro/pkg/client/cloudevents/grpcsource"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	workv1client "open-cluster-management.io/api/client/work/clientset/versioned/typed/work/v1"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/common"
)

// deploymentWork is a work with a Deployment (WellKnownStatus feedback) and a ConfigMap
// (JSONPaths feedback), the shape Maestro's own e2e tests use.
func deploymentWork(name string, replicas int) *workv1.ManifestWork {
	deployment := manifest(map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "nginx", "image": "nginx:1.25"}}},
			},
		},
	})
	return &workv1.ManifestWork{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: workv1.ManifestWorkSpec{
			Workload: workv1.ManifestsTemplate{Manifests: []workv1.Manifest{deployment, configMap(name, "v1")}},
			ManifestConfigs: []workv1.ManifestConfigOption{
				{
					ResourceIdentifier: workv1.ResourceIdentifier{Group: "apps", Resource: "deployments", Name: name, Namespace: "default"},
					FeedbackRules:      []workv1.FeedbackRule{{Type: workv1.WellKnownStatusType}},
					UpdateStrategy:     &workv1.UpdateStrategy{Type: workv1.UpdateStrategyTypeServerSideApply},
				},
				{
					ResourceIdentifier: workv1.ResourceIdentifier{Resource: "configmaps", Name: name, Namespace: "default"},
					FeedbackRules:      []workv1.FeedbackRule{{Type: workv1.JSONPathsType, JsonPaths: []workv1.JsonPath{{Name: "data", Path: ".data.test"}}}},
				},
			},
		},
	}
}

// feedback returns the named feedback value of the manifest of kind, as text.
func feedback(w *workv1.ManifestWork, kind, name string) string {
	for _, m := range w.Status.ResourceStatus.Manifests {
		if m.ResourceMeta.Kind != kind {
			continue
		}
		for _, v := range m.StatusFeedbacks.Values {
			if v.Name != name {
				continue
			}
			switch {
			case v.Value.Integer != nil:
				return fmt.Sprint(*v.Value.Integer)
			case v.Value.String != nil:
				return *v.Value.String
			case v.Value.Boolean != nil:
				return fmt.Sprint(*v.Value.Boolean)
			case v.Value.JsonRaw != nil:
				return *v.Value.JsonRaw
			}
		}
	}
	return ""
}

// available accepts a work applied and available at generation gen whose Deployment reports
// want ready replicas and whose ConfigMap reports data.
func available(gen int64, readyReplicas, data string) func(*workv1.ManifestWork) error {
	return func(w *workv1.ManifestWork) error {
		if err := appliedAt(gen)(w); err != nil {
			return err
		}
		if !conditionTrue(w, workv1.WorkAvailable) {
			return fmt.Errorf("not available: %s", describeStatus(w))
		}
		if got := feedback(w, "Deployment", "ReadyReplicas"); got != readyReplicas {
			return fmt.Errorf("ReadyReplicas %q: %s", got, describeStatus(w))
		}
		if got := feedback(w, "ConfigMap", "data"); got != data {
			return fmt.Errorf("configmap feedback %q: %s", got, describeStatus(w))
		}
		for _, m := range w.Status.ResourceStatus.Manifests {
			if !metaConditionTrue(m.Conditions, workv1.ManifestApplied) {
				return fmt.Errorf("manifest %s not applied: %s", m.ResourceMeta.Kind, describeStatus(w))
			}
		}
		return nil
	}
}

func metaConditionTrue(conditions []metav1.Condition, typ string) bool {
	for _, c := range conditions {
		if c.Type == typ && c.Status == metav1.ConditionTrue {
			return true
		}
	}
	return false
}

func waitGone(t *testing.T, ctx context.Context, works workv1client.WorkV1Interface, cluster, name string) {
	t.Helper()
	eventually(t, statusTimeout, name+" deleted", func() error {
		if _, err := works.ManifestWorks(cluster).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
}

func TestRealMaestroServer(t *testing.T) {
	parent := t
	ctx := testContext(t)
	upstream := startRealMaestro(t)
	cluster := "interop-real-" + rand.String(5)
	createConsumer(t, ctx, upstream.rest, cluster)
	source := "interop-real-source-" + rand.String(5)
	works := newWorkClient(t, ctx, upstream, source)
	watcher, err := newWorkClient(t, ctx, upstream, source).ManifestWorks(cluster).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	watched := collectWatch(ctx, watcher)
	agent := startOurAgent(t, cluster, upstream.broker)

	t.Run("agent/applies-and-reports", func(t *testing.T) {
		if _, err := works.ManifestWorks(cluster).Create(ctx, deploymentWork("web", 2), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web available", available(1, "2", "v1"))
		waitWatched(t, watched, "web", available(1, "2", "v1"))
	})

	t.Run("agent/follows-patch", func(t *testing.T) {
		patchWebToV2(t, ctx, works, cluster)
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web at generation 2", available(2, "3", "v2"))
	})

	t.Run("agent/restart-resync", func(t *testing.T) {
		changeWhileAgentDown(t, ctx, works, cluster, func() { agent.stop(10 * time.Second) })
		// Started on the parent test, so the restarted agent outlives this subtest.
		agent = startOurAgent(parent, cluster, upstream.broker)
		waitWork(t, ctx, works, cluster, "worker", statusTimeout, "worker available after the agent restarted", available(1, "1", "v1"))
		waitGone(t, ctx, works, cluster, "api")
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web still at generation 2", available(2, "3", "v2"))
	})

	t.Run("agent/status-hash-agrees-with-sdk-go", func(t *testing.T) {
		testAgentStatusHash(t, ctx, upstream, cluster, "interop-real-hash-"+rand.String(5))
	})

	t.Run("agent/confirms-delete", func(t *testing.T) {
		for _, name := range []string{"web", "worker"} {
			if err := works.ManifestWorks(cluster).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete %s: %v", name, err)
			}
		}
		for _, name := range []string{"web", "worker"} {
			waitGone(t, ctx, works, cluster, name)
		}
		eventually(t, statusTimeout, "DELETED event for web", func() error {
			w := watched.find(watch.Deleted, "web", isDeletedStatus)
			if w == nil {
				return errNotYet
			}
			if w.DeletionTimestamp.IsZero() || len(w.Spec.Workload.Manifests) != 2 {
				return fmt.Errorf("DELETED web without deletionTimestamp or spec: %+v", w.ObjectMeta)
			}
			return nil
		})
		list, err := works.ManifestWorks(cluster).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 0 {
			t.Fatalf("works left: %v %d", err, len(list.Items))
		}
	})
}

// testAgentStatusHash shows that the statushash our agent puts on its statuses is the one
// sdk-go computes: Maestro answers a source's status resync by comparing the source's sdk-go
// hash with the agent's statushash, taken verbatim. A source restarted with h1's current status
// and h2 without any must get h2's status back and not h1's.
func testAgentStatusHash(t *testing.T, ctx context.Context, e *endpoints, cluster, source string) {
	first, cancelFirst := context.WithCancel(ctx)
	defer cancelFirst()
	works, _ := startGenericSource(t, first, protocolV1, source, e.grpc, nil)
	w, err := works.ManifestWorks(metav1.NamespaceAll).Watch(first, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	collectWatch(first, w)
	for _, name := range []string{"h1", "h2"} {
		if _, err := works.ManifestWorks(cluster).Create(first, deploymentWork(name, 1), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	api := newAPIClient(e.rest).DefaultAPI
	var current *workv1.ManifestWork
	eventually(t, statusTimeout, "h1's final status in the source's store", func() error {
		got, err := works.ManifestWorks(cluster).Get(first, "h1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := available(1, "1", "v1")(got); err != nil {
			return err
		}
		// The server's latest status must be the one the store holds.
		rb, _, err := api.ApiMaestroV1ResourceBundlesIdGet(first, string(got.UID)).Execute()
		if err != nil {
			return err
		}
		if rb.Status["SequenceID"] != got.Annotations[common.CloudEventsSequenceIDAnnotationKey] {
			return fmt.Errorf("server has a newer status")
		}
		current = got.DeepCopy()
		return nil
	})
	cancelFirst()

	stale, err := works.ManifestWorks(cluster).Get(ctx, "h2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale = stale.DeepCopy()
	stale.Status = workv1.ManifestWorkStatus{}
	delete(stale.Annotations, common.CloudEventsSequenceIDAnnotationKey)
	second, cancelSecond := context.WithCancel(ctx)
	defer cancelSecond()
	restarted, resync := startGenericSource(t, second, protocolV1, source, e.grpc, []*workv1.ManifestWork{current, stale})
	rw, err := restarted.ManifestWorks(metav1.NamespaceAll).Watch(second, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := collectWatch(second, rw)
	eventuallyResyncing(t, resync, "h2's status re-sent on resync", func() error {
		got, err := restarted.ManifestWorks(cluster).Get(second, "h2", metav1.GetOptions{})
		if err != nil {
			return err
		}
		return available(1, "1", "v1")(got)
	})
	resync()
	never(t, 2*time.Second, "h1 re-sent: Maestro found our agent's statushash different from sdk-go's", func() bool {
		return events.find(watch.Modified, "h1", nil) != nil
	})
	for _, name := range []string{"h1", "h2"} {
		if err := newWorkClient(t, ctx, e, source).ManifestWorks(cluster).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitWatched waits until the watch saw a MODIFIED event of work `name` that passes `ok`.
func waitWatched(t testing.TB, watched *watchLog, name string, ok func(*workv1.ManifestWork) error) {
	t.Helper()
	eventually(t, statusTimeout, "MODIFIED event with "+name+"'s status", func() error {
		if watched.find(watch.Modified, name, func(w *workv1.ManifestWork) bool { return ok(w) == nil }) == nil {
			return errNotYet
		}
		return nil
	})
}

// patchWebToV2 patches the "web" work through the Go client: 3 replicas and ConfigMap data v2.
func patchWebToV2(t testing.TB, ctx context.Context, works workv1client.WorkV1Interface, cluster string) {
	t.Helper()
	current, err := works.ManifestWorks(cluster).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := current.DeepCopy()
	changed.Spec.Workload.Manifests = deploymentWork("web", 3).Spec.Workload.Manifests
	changed.Spec.Workload.Manifests[1] = configMap("web", "v2")
	patch, err := grpcsource.ToWorkPatch(current, changed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := works.ManifestWorks(cluster).Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch: %v", err)
	}
}

// changeWhileAgentDown creates "api" and waits until it is available, stops the agent, then,
// while no agent runs, creates "worker" and deletes "api" (the agent's resync must catch up).
func changeWhileAgentDown(t testing.TB, ctx context.Context, works workv1client.WorkV1Interface, cluster string, stopAgent func()) {
	t.Helper()
	if _, err := works.ManifestWorks(cluster).Create(ctx, deploymentWork("api", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWork(t, ctx, works, cluster, "api", statusTimeout, "api available", available(1, "1", "v1"))
	stopAgent()
	if _, err := works.ManifestWorks(cluster).Create(ctx, deploymentWork("worker", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := works.ManifestWorks(cluster).Delete(ctx, "api", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}
