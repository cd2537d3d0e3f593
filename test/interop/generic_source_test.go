// Scenario 2, second half: sdk-go's generic ManifestWork source client with status resync by
// hashes, on the source port (run by testSourceAndAgentClients for each transport).

package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/common"
)

// eventuallyResyncing is eventually, calling resync (when not nil) every second meanwhile.
func eventuallyResyncing(t *testing.T, resync func(), what string, fn func() error) {
	t.Helper()
	next := time.Now().Add(time.Second)
	eventually(t, statusTimeout, what, func() error {
		err := fn()
		if err != nil && resync != nil && time.Now().After(next) {
			resync()
			next = time.Now().Add(time.Second)
		}
		return err
	})
}

// testGenericSourceResync drives sdk-go's generic source client: statuses reach its store; a
// status published while it was disconnected arrives through the status resync it sends on
// reconnect; and a restarted client whose store holds one stale and one current status gets
// only the stale one re-sent (the server's hash, echoed from the agent, equals sdk-go's).
func testGenericSourceResync(t *testing.T, ctx context.Context, srv *endpoints, agent *sdkAgent, protocol genericProtocol, cluster, source string) {
	proxy := startProxy(t, srv.grpc)
	first, cancelFirst := context.WithCancel(ctx)
	defer cancelFirst()
	holder, resync := startGenericSource(t, first, protocol, source, proxy.addr, nil)
	w, err := holder.ManifestWorks(metav1.NamespaceAll).Watch(first, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	collectWatch(first, w)
	for _, name := range []string{"g1", "g2"} {
		if _, err := holder.ManifestWorks(cluster).Create(first, configMapWork(name, nil, "v1"), metav1.CreateOptions{}); err != nil {
			t.Fatalf("generic source create %s: %v", name, err)
		}
	}
	statusOf := func(name, want string) *workv1.ManifestWork {
		var got *workv1.ManifestWork
		eventuallyResyncing(t, resync, fmt.Sprintf("generic source store: %s reports %s", name, want), func() error {
			w, err := holder.ManifestWorks(cluster).Get(first, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if observedValue(w) != want {
				return fmt.Errorf("observed %q", observedValue(w))
			}
			got = w
			return nil
		})
		return got
	}
	statusOf("g1", "g1r0")
	current := statusOf("g2", "g1r0")

	// A status the agent publishes while the source is disconnected reaches it through resync.
	proxy.pause()
	g1 := workUID(source, cluster, "g1")
	want := agent.bump(g1)
	api := newAPIClient(srv.rest)
	eventually(t, statusTimeout, "server stored the new g1 status", func() error {
		rb, _, err := api.DefaultAPI.ApiMaestroV1ResourceBundlesIdGet(ctx, string(g1)).Execute()
		if err != nil {
			return err
		}
		if !strings.Contains(fmt.Sprint(rb.Status), want) {
			return errNotYet
		}
		return nil
	})
	proxy.resume()
	statusOf("g1", want)
	cancelFirst()

	// A restarted source: its store has g1 without status (stale) and g2 with its current one.
	staleG1 := current.DeepCopy()
	staleG1.Name, staleG1.UID = "g1", g1
	staleG1.Status = workv1.ManifestWorkStatus{}
	delete(staleG1.Annotations, common.CloudEventsSequenceIDAnnotationKey)
	second, cancelSecond := context.WithCancel(ctx)
	defer cancelSecond()
	restarted, resyncRestarted := startGenericSource(t, second, protocol, source, srv.grpc, []*workv1.ManifestWork{staleG1, current.DeepCopy()})
	rw, err := restarted.ManifestWorks(metav1.NamespaceAll).Watch(second, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := collectWatch(second, rw)
	eventuallyResyncing(t, resyncRestarted, "restarted source gets g1's status by resync", func() error {
		w, err := restarted.ManifestWorks(cluster).Get(second, "g1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if observedValue(w) != want {
			return fmt.Errorf("observed %q", observedValue(w))
		}
		return nil
	})
	// g2's hash matched: the server must not have re-sent it. Both answers would come from
	// the same resync batch, so a short window after g1 is enough.
	never(t, 2*time.Second, "g2 re-sent although its status hash was current", func() bool {
		return events.find(watch.Modified, "g2", nil) != nil
	})
	if events.find(watch.Modified, "g1", nil) == nil {
		t.Fatalf("no MODIFIED event for g1: %v", events.types())
	}
}
