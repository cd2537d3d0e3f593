// MQTT mode (maestro-wire.md 3.3, 4.1): the server and the agents talk through a private
// Mosquitto instead of the gRPC broker port.
//
//  1. TestMQTTOurServerSdkGoAgent: maestro-bun's server in MQTT mode, Maestro's Go work client
//     as the source (gRPC source port), and sdk-go's real work agent client over MQTT.
//  2. TestMQTTRealServerOurAgent: the real Go `maestro server --message-broker-type=mqtt` and
//     maestro-bun's agent (one simulated cluster) over MQTT.
//
// A spy client on the consumer's topics reads every message with sdk-go's CloudEvents MQTT
// binding, so the tests also show what went over the wire (topic, type, source, extensions).

package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openshift-online/maestro/pkg/client/cloudevents/grpcsource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/common"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/statushash"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/payload"
	generictypes "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/types"
)

var (
	specCreate     = ceType(generictypes.SubResourceSpec, generictypes.CreateRequestAction)
	specUpdate     = ceType(generictypes.SubResourceSpec, generictypes.UpdateRequestAction)
	specDelete     = ceType(generictypes.SubResourceSpec, generictypes.DeleteRequestAction)
	specResyncReq  = ceType(generictypes.SubResourceSpec, generictypes.ResyncRequestAction)
	specResyncResp = ceType(generictypes.SubResourceSpec, generictypes.ResyncResponseAction)
	statusUpdate   = ceType(generictypes.SubResourceStatus, generictypes.UpdateRequestAction)
	statusResyncRq = ceType(generictypes.SubResourceStatus, generictypes.ResyncRequestAction)
	statusResyncRs = ceType(generictypes.SubResourceStatus, generictypes.ResyncResponseAction)
)

// agentCopy is the agent's copy of work uid (sdk-go names it after the resource id).
func agentCopy(agent *sdkAgent, uid types.UID) (*workv1.ManifestWork, error) {
	return agent.lister.ManifestWorks(agent.cluster).Get(string(uid))
}

// checkAgentCopy checks the fields sdk-go's agent codec decoded from the spec event: the work is
// named after its resource id in the cluster's namespace, its generation is the resource
// version, it keeps the source's labels, carries the original source "maestro" (the server's
// --source-id) and the manifestbundle data type, and its one ConfigMap holds data.
func checkAgentCopy(t testing.TB, agent *sdkAgent, uid types.UID, gen int64, labels map[string]string, data string) {
	t.Helper()
	w, err := agentCopy(agent, uid)
	if err != nil {
		t.Fatalf("agent's copy of %s: %v", uid, err)
	}
	if w.Name != string(uid) || w.Namespace != agent.cluster || w.UID != uid || w.Generation != gen {
		t.Fatalf("agent's copy of %s: name %s namespace %s uid %s generation %d", uid, w.Name, w.Namespace, w.UID, w.Generation)
	}
	for k, v := range labels {
		if w.Labels[k] != v {
			t.Fatalf("agent's copy of %s: labels %v, want %s=%s", uid, w.Labels, k, v)
		}
	}
	if w.Labels[common.CloudEventsOriginalSourceLabelKey] != "maestro" || w.Annotations[common.CloudEventsDataTypeAnnotationKey] != payload.ManifestBundleEventDataType.String() {
		t.Fatalf("agent's copy of %s: labels %v annotations %v", uid, w.Labels, w.Annotations)
	}
	if len(w.Spec.Workload.Manifests) != 1 || !strings.Contains(string(w.Spec.Workload.Manifests[0].Raw), fmt.Sprintf(`"test":%q`, data)) {
		t.Fatalf("agent's copy of %s: manifests %v", uid, w.Spec.Workload.Manifests)
	}
}

// checkSpecEvent checks a spec event the server published: Maestro's source id, the consumer's
// clustername, the resource version, and JSON data (none for a delete, which carries
// deletiontimestamp instead).
func checkSpecEvent(t testing.TB, e spiedEvent, cluster string, version int64, deleting bool) {
	t.Helper()
	if e.event.Source() != "maestro" || e.ext(generictypes.ExtensionClusterName) != cluster || e.ext(generictypes.ExtensionResourceVersion) != fmt.Sprint(version) {
		t.Fatalf("spec event %s: attributes %s", e, jsonText(e.event.Context))
	}
	if deleting != (e.ext(generictypes.ExtensionDeletionTimestamp) != "") {
		t.Fatalf("spec event %s: deletiontimestamp %q (deleting: %t)", e, e.ext(generictypes.ExtensionDeletionTimestamp), deleting)
	}
	if !deleting && (e.event.DataContentType() != "application/json" || len(e.event.Data()) == 0) {
		t.Fatalf("spec event %s: content type %q, %d data bytes", e, e.event.DataContentType(), len(e.event.Data()))
	}
}

func TestMQTTOurServerSdkGoAgent(t *testing.T) {
	parent := t
	mosquitto := startMosquitto(t)
	ctx := testContext(t)
	dataDir := t.TempDir()
	srv := startOurMQTTServer(t, mosquitto, dataDir)
	suffix := rand.String(5)
	cluster, source := "mqtt-sdk-"+suffix, "mqtt-source-"+suffix
	uid := func(name string) types.UID { return workUID(source, cluster, name) }
	spy := startMQTTSpy(t, ctx, mosquitto, "sources/maestro/consumers/"+cluster+"/+")
	createConsumer(t, ctx, srv.rest, cluster)
	// The source's clients end with the first server (server/status-resync restarts it).
	clientsCtx, stopClients := context.WithCancel(ctx)
	works := newWorkClient(t, clientsCtx, srv, source)
	watcher, err := newWorkClient(t, clientsCtx, srv, source).ManifestWorks(cluster).Watch(clientsCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	watched := collectWatch(clientsCtx, watcher)

	// The agent reaches the broker through a proxy, so a test can cut its connection.
	agentProxy := startProxy(t, mosquitto)
	agentCtx, stopAgent := context.WithCancel(ctx)
	agent := startSDKMQTTAgent(t, agentCtx, cluster, agentProxy.addr)
	// Subscribed: sdk-go sends its spec resync request (every work it holds: none) right after.
	first := spy.waitFor(t, 0, "the sdk-go agent's spec resync request", isEvent(agentEventsTopic(cluster), specResyncReq, ""))
	if first.event.Source() != cluster+"-work-agent" || first.ext(generictypes.ExtensionClusterName) != cluster || len(specVersions(t, first)) != 0 {
		t.Fatalf("first spec resync request: %s %s", first, first.event.Data())
	}

	labels := map[string]map[string]string{"a1": {"app": "a"}, "a2": {"app": "a"}, "b1": {"app": "b"}, "c1": {"app": "c"}}
	names := []string{"a1", "a2", "b1", "c1"}

	t.Run("spec/create-delivered", func(t *testing.T) {
		for _, name := range names {
			if _, err := works.ManifestWorks(cluster).Create(ctx, configMapWork(name, labels[name], "v1"), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
		for _, name := range names {
			e := spy.waitFor(t, 0, "create_request for "+name, isEvent(sourceEventsTopic(cluster), specCreate, uid(name)))
			checkSpecEvent(t, e, cluster, 1, false)
			eventually(t, statusTimeout, "the sdk-go agent receives "+name, func() error {
				if agent.received(uid(name)) != 1 {
					return errNotYet
				}
				return nil
			})
			checkAgentCopy(t, agent, uid(name), 1, labels[name], "v1")
		}
	})

	t.Run("status/reaches-source", func(t *testing.T) {
		for _, name := range names {
			w := waitWork(t, ctx, works, cluster, name, statusTimeout, "status of "+name, appliedAt(1))
			if observedValue(w) != "g1r0" || !conditionTrue(w, workv1.WorkAvailable) || len(w.Status.ResourceStatus.Manifests) != 1 {
				t.Fatalf("%s: %s", name, describeStatus(w))
			}
			e := spy.waitFor(t, 0, "the agent's status of "+name, isEvent(agentEventsTopic(cluster), statusUpdate, uid(name)))
			if e.ext(generictypes.ExtensionOriginalSource) != "maestro" || e.ext(generictypes.ExtensionStatusHash) == "" {
				t.Fatalf("status event %s: %s", e, jsonText(e.event.Context))
			}
		}
		waitWatched(t, watched, "a1", appliedAt(1))
		want := agent.bump(uid("a2"))
		waitWork(t, ctx, works, cluster, "a2", statusTimeout, "a2's second status", func(w *workv1.ManifestWork) error {
			if observedValue(w) != want {
				return fmt.Errorf("observed %q, want %q", observedValue(w), want)
			}
			return nil
		})
	})

	t.Run("spec/update", func(t *testing.T) {
		current, err := works.ManifestWorks(cluster).Get(ctx, "a1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		changed := current.DeepCopy()
		changed.Spec.Workload.Manifests = []workv1.Manifest{configMap("a1", "v2")}
		patch, err := grpcsource.ToWorkPatch(current, changed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := works.ManifestWorks(cluster).Patch(ctx, "a1", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("patch a1: %v", err)
		}
		e := spy.waitFor(t, 0, "update_request for a1", isEvent(sourceEventsTopic(cluster), specUpdate, uid("a1")))
		checkSpecEvent(t, e, cluster, 2, false)
		eventually(t, statusTimeout, "the agent receives a1's generation 2", func() error {
			if agent.received(uid("a1")) != 2 {
				return errNotYet
			}
			return nil
		})
		checkAgentCopy(t, agent, uid("a1"), 2, labels["a1"], "v2")
		w := waitWork(t, ctx, works, cluster, "a1", statusTimeout, "a1 applied at generation 2", appliedAt(2))
		if observedValue(w) != "g2r0" {
			t.Fatalf("a1 after the update: %s", describeStatus(w))
		}
		waitWatched(t, watched, "a1", appliedAt(2))
	})

	t.Run("spec/delete", func(t *testing.T) {
		if err := works.ManifestWorks(cluster).Delete(ctx, "b1", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete b1: %v", err)
		}
		e := spy.waitFor(t, 0, "delete_request for b1", isEvent(sourceEventsTopic(cluster), specDelete, uid("b1")))
		checkSpecEvent(t, e, cluster, 1, true)
		eventually(t, statusTimeout, "the agent confirms b1's delete", func() error {
			if !agent.confirmedDelete(uid("b1")) {
				return errNotYet
			}
			return nil
		})
		eventually(t, statusTimeout, "DELETED event for b1", func() error {
			if watched.find(watch.Deleted, "b1", isDeletedStatus) == nil {
				return errNotYet
			}
			return nil
		})
		waitGone(t, ctx, works, cluster, "b1")
	})

	t.Run("agent/reconnect-resync", func(t *testing.T) {
		agentProxy.pause()
		mark := spy.mark()
		// While the agent is cut off: a new work, a spec change and a delete (the broker drops
		// them: the agent's session is gone).
		createPatchDeleteWhileAway(t, ctx, works, cluster)
		labels["d1"] = map[string]string{"app": "d"}
		spy.waitFor(t, mark, "delete_request for c1", isEvent(sourceEventsTopic(cluster), specDelete, uid("c1")))
		if agent.received(uid("d1")) != 0 || agent.received(uid("a2")) != 1 || agent.confirmedDelete(uid("c1")) {
			t.Fatal("the agent got spec events while its broker connection was cut")
		}
		agentProxy.resume()
		req := spy.waitFor(t, mark, "the reconnected agent's spec resync request", isEvent(agentEventsTopic(cluster), specResyncReq, ""))
		versions := specVersions(t, req)
		if len(versions) != 3 || versions[string(uid("a1"))] != 2 || versions[string(uid("a2"))] != 1 || versions[string(uid("c1"))] != 1 {
			t.Fatalf("spec resync request after the reconnect: %v", versions)
		}
		eventually(t, statusTimeout, "the agent resyncs d1, a2 and c1", func() error {
			if agent.received(uid("d1")) != 1 || agent.received(uid("a2")) != 2 || !agent.confirmedDelete(uid("c1")) {
				return errNotYet
			}
			return nil
		})
		for name, version := range map[string]int64{"d1": 1, "a2": 2} {
			e := spy.waitFor(t, mark, "resync_response for "+name, isEvent(sourceEventsTopic(cluster), specResyncResp, uid(name)))
			checkSpecEvent(t, e, cluster, version, false)
		}
		e := spy.waitFor(t, mark, "resync_response deleting c1", isEvent(sourceEventsTopic(cluster), specResyncResp, uid("c1")))
		checkSpecEvent(t, e, cluster, 1, true)
		never(t, time.Second, "the server re-sent a1, which the agent holds at its current version", func() bool {
			return len(spy.since(mark, isEvent(sourceEventsTopic(cluster), specResyncResp, uid("a1")))) != 0
		})
		checkAgentCopy(t, agent, uid("a2"), 2, labels["a2"], "v2")
		waitWork(t, ctx, works, cluster, "d1", statusTimeout, "d1 applied", appliedAt(1))
		waitWork(t, ctx, works, cluster, "a2", statusTimeout, "a2 applied at generation 2", appliedAt(2))
		waitGone(t, ctx, works, cluster, "c1")
	})

	t.Run("agent/recreate-resync", func(t *testing.T) {
		// Close the agent: its context ends and its connection is cut for good (the old client
		// may still try to reconnect; it never reaches the broker again).
		stopAgent()
		agentProxy.pause()
		mark := spy.mark()
		// A new agent with an empty store, as after an agent restart, on its own proxy.
		proxy := startProxy(parent, mosquitto)
		newCtx, stopNew := context.WithCancel(ctx)
		parent.Cleanup(stopNew)
		agent = startSDKMQTTAgent(parent, newCtx, cluster, proxy.addr)
		req := spy.waitFor(t, mark, "the new agent's spec resync request", isEvent(agentEventsTopic(cluster), specResyncReq, ""))
		if versions := specVersions(t, req); len(versions) != 0 {
			t.Fatalf("a new agent's spec resync request lists %v", versions)
		}
		want := map[string]int64{"a1": 2, "a2": 2, "d1": 1}
		for name, version := range want {
			e := spy.waitFor(t, mark, "resync_response for "+name, isEvent(sourceEventsTopic(cluster), specResyncResp, uid(name)))
			checkSpecEvent(t, e, cluster, version, false)
			eventually(t, statusTimeout, "the new agent receives "+name, func() error {
				if agent.received(uid(name)) != version {
					return errNotYet
				}
				return nil
			})
		}
		checkAgentCopy(t, agent, uid("a1"), 2, labels["a1"], "v2")
		checkAgentCopy(t, agent, uid("d1"), 1, labels["d1"], "v1")
		never(t, 2*time.Second, "the server re-sent a deleted work to the new agent", func() bool {
			return len(spy.since(mark, func(e spiedEvent) bool {
				id := e.ext(generictypes.ExtensionResourceID)
				return e.topic == sourceEventsTopic(cluster) && (id == string(uid("b1")) || id == string(uid("c1")))
			})) != 0
		})
		// The new agent's statuses reach the source.
		next := agent.bump(uid("a1"))
		waitWork(t, ctx, works, cluster, "a1", statusTimeout, "a1's status from the new agent", func(w *workv1.ManifestWork) error {
			if observedValue(w) != next {
				return fmt.Errorf("observed %q, want %q", observedValue(w), next)
			}
			return nil
		})
	})

	t.Run("server/status-resync", func(t *testing.T) {
		// The server holds the new agent's latest status of every work.
		latest := map[string]string{"a1": "g2r1", "a2": "g2r0", "d1": "g1r0"}
		for name, value := range latest {
			waitWork(t, ctx, works, cluster, name, statusTimeout, name+" reports "+value, func(w *workv1.ManifestWork) error {
				if observedValue(w) != value || agent.lastReported(uid(name)) != value {
					return fmt.Errorf("observed %q, agent reported %q, want %q", observedValue(w), agent.lastReported(uid(name)), value)
				}
				return nil
			})
		}
		stopClients()
		srv.proc.stop(30 * time.Second)
		// While the server is down the agent publishes a new status of a2; nobody receives it.
		mark := spy.mark()
		changed := agent.bump(uid("a2"))
		spy.waitFor(t, mark, "a2's status published while the server is down", func(e spiedEvent) bool {
			return isEvent(agentEventsTopic(cluster), statusUpdate, uid("a2"))(e) && strings.Contains(string(e.event.Data()), changed)
		})
		eventually(t, statusTimeout, "the agent records a2's new status as reported", func() error {
			if agent.lastReported(uid("a2")) != changed {
				return errNotYet
			}
			return nil
		})
		// The server restarts on the same store; its new subscription starts a status resync.
		mark = spy.mark()
		srv = startOurMQTTServer(parent, mosquitto, dataDir)
		works = newWorkClient(parent, ctx, srv, source)
		req := spy.waitFor(t, mark, "the server's status resync request", isEvent(sourceEventsTopic(cluster), statusResyncRq, ""))
		if req.event.Source() != "maestro" || req.ext(generictypes.ExtensionClusterName) != cluster {
			t.Fatalf("status resync request %s: %s", req, jsonText(req.event.Context))
		}
		hashes := statusHashes(t, req)
		if len(hashes) != 3 {
			t.Fatalf("status resync request hashes %v, want a1, a2 and d1", hashes)
		}
		for name := range latest {
			w, err := agentCopy(agent, uid(name))
			if err != nil {
				t.Fatal(err)
			}
			mine, err := statushash.StatusHash(w)
			if err != nil {
				t.Fatal(err)
			}
			if same := hashes[string(uid(name))] == mine; same != (name != "a2") {
				t.Fatalf("%s: server hash %q, sdk-go's hash of the agent's status %q (a2 alone changed while the server was down)", name, hashes[string(uid(name))], mine)
			}
		}
		resp := spy.waitFor(t, mark, "the agent's status resync response for a2", isEvent(agentEventsTopic(cluster), statusResyncRs, uid("a2")))
		if !strings.Contains(string(resp.event.Data()), changed) {
			t.Fatalf("status resync response for a2 without %s: %s", changed, resp.event.Data())
		}
		waitWork(t, ctx, works, cluster, "a2", statusTimeout, "a2's missed status after the server's status resync", func(w *workv1.ManifestWork) error {
			if observedValue(w) != changed {
				return fmt.Errorf("observed %q, want %q", observedValue(w), changed)
			}
			return nil
		})
		never(t, 2*time.Second, "the agent re-sent a status whose hash the server had right", func() bool {
			return len(spy.since(mark, func(e spiedEvent) bool {
				return e.event.Type() == statusResyncRs && e.ext(generictypes.ExtensionResourceID) != string(uid("a2"))
			})) != 0
		})
	})

	t.Run("spec/delete-all", func(t *testing.T) {
		for _, name := range []string{"a1", "a2", "d1"} {
			if err := works.ManifestWorks(cluster).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete %s: %v", name, err)
			}
		}
		for _, name := range []string{"a1", "a2", "d1"} {
			waitGone(t, ctx, works, cluster, name)
			if !agent.confirmedDelete(uid(name)) {
				t.Fatalf("%s gone without the agent's confirmation", name)
			}
		}
		if list, err := works.ManifestWorks(cluster).List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
			t.Fatalf("works left: %v %v", err, list)
		}
	})

	if bad := spy.undecodable(); len(bad) != 0 {
		t.Fatalf("messages sdk-go's CloudEvents MQTT binding could not read: %v", bad)
	}
}

func TestMQTTRealServerOurAgent(t *testing.T) {
	parent := t
	mosquitto := startMosquitto(t)
	ctx := testContext(t)
	upstream := startRealMaestroMQTT(t, mosquitto)
	suffix := rand.String(5)
	cluster, source := "mqtt-real-"+suffix, "mqtt-real-source-"+suffix
	uid := func(name string) types.UID { return workUID(source, cluster, name) }
	spy := startMQTTSpy(t, ctx, mosquitto, "sources/maestro/consumers/"+cluster+"/+")
	createConsumer(t, ctx, upstream.rest, cluster)
	works := newWorkClient(t, ctx, upstream, source)
	watcher, err := newWorkClient(t, ctx, upstream, source).ManifestWorks(cluster).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	watched := collectWatch(ctx, watcher)
	api := newAPIClient(upstream.rest).DefaultAPI
	agent := startOurMQTTAgent(t, cluster, mosquitto)
	first := spy.waitFor(t, 0, "our agent's spec resync request", isEvent(agentEventsTopic(cluster), specResyncReq, ""))
	if first.event.Source() != cluster+"-work-agent" || first.ext(generictypes.ExtensionClusterName) != cluster {
		t.Fatalf("our agent's spec resync request: %s %s", first, jsonText(first.event.Context))
	}

	// restStatus waits until the real server's REST API shows the agent's status of name at
	// version (the resource bundle's status.ObservedVersion).
	restStatus := func(t *testing.T, name string, version int) {
		t.Helper()
		eventually(t, statusTimeout, fmt.Sprintf("REST status of %s at version %d", name, version), func() error {
			rb, _, err := api.ApiMaestroV1ResourceBundlesIdGet(ctx, string(uid(name))).Execute()
			if err != nil {
				return err
			}
			if rb.Status["ObservedVersion"] != float64(version) || rb.Status["SequenceID"] == nil || rb.Status["conditions"] == nil || rb.Status["resourceStatus"] == nil {
				return fmt.Errorf("status %s", jsonText(rb.Status))
			}
			return nil
		})
	}

	t.Run("apply-and-report", func(t *testing.T) {
		if _, err := works.ManifestWorks(cluster).Create(ctx, deploymentWork("web", 2), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		e := spy.waitFor(t, 0, "the real server's create_request for web", isEvent(sourceEventsTopic(cluster), specCreate, uid("web")))
		checkSpecEvent(t, e, cluster, 1, false)
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web available", available(1, "2", "v1"))
		restStatus(t, "web", 1)
		s := spy.waitFor(t, 0, "our agent's status of web", isEvent(agentEventsTopic(cluster), statusUpdate, uid("web")))
		if s.event.Source() != cluster+"-work-agent" || s.ext(generictypes.ExtensionOriginalSource) != "maestro" || s.ext(generictypes.ExtensionClusterName) != cluster || s.ext(generictypes.ExtensionStatusHash) == "" {
			t.Fatalf("our agent's status event %s: %s", s, jsonText(s.event.Context))
		}
		waitWatched(t, watched, "web", available(1, "2", "v1"))
	})

	t.Run("update", func(t *testing.T) {
		patchWebToV2(t, ctx, works, cluster)
		e := spy.waitFor(t, 0, "the real server's update_request for web", isEvent(sourceEventsTopic(cluster), specUpdate, uid("web")))
		checkSpecEvent(t, e, cluster, 2, false)
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web at generation 2", available(2, "3", "v2"))
		restStatus(t, "web", 2)
	})

	t.Run("agent-restart-resync", func(t *testing.T) {
		changeWhileAgentDown(t, ctx, works, cluster, func() { agent.stop(10 * time.Second) })
		mark := spy.mark()
		agent = startOurMQTTAgent(parent, cluster, mosquitto)
		req := spy.waitFor(t, mark, "the restarted agent's spec resync request", isEvent(agentEventsTopic(cluster), specResyncReq, ""))
		t.Logf("restarted agent's spec resync request: %s", req.event.Data())
		waitWork(t, ctx, works, cluster, "worker", statusTimeout, "worker available after the agent restarted", available(1, "1", "v1"))
		waitGone(t, ctx, works, cluster, "api")
		waitWork(t, ctx, works, cluster, "web", statusTimeout, "web still at generation 2", available(2, "3", "v2"))
	})

	t.Run("delete", func(t *testing.T) {
		for _, name := range []string{"web", "worker"} {
			if err := works.ManifestWorks(cluster).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete %s: %v", name, err)
			}
		}
		e := spy.waitFor(t, 0, "the real server's delete_request for web", isEvent(sourceEventsTopic(cluster), specDelete, uid("web")))
		checkSpecEvent(t, e, cluster, 2, true)
		for _, name := range []string{"web", "worker"} {
			waitGone(t, ctx, works, cluster, name)
		}
		eventually(t, statusTimeout, "DELETED event for web", func() error {
			if watched.find(watch.Deleted, "web", isDeletedStatus) == nil {
				return errNotYet
			}
			return nil
		})
		_, res, err := api.ApiMaestroV1ResourceBundlesIdGet(ctx, string(uid("web"))).Execute()
		if res == nil || res.StatusCode != 404 {
			t.Fatalf("REST get of the deleted web: %v %v", res, err)
		}
		if list, err := works.ManifestWorks(cluster).List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
			t.Fatalf("works left: %v %v", err, list)
		}
	})

	if bad := spy.undecodable(); len(bad) != 0 {
		t.Fatalf("messages sdk-go's CloudEvents MQTT binding could not read: %v", bad)
	}
}
