// Open Cluster Management sdk-go clients: the work agent client (as OCM's work agent builds it,
// over gRPC to a broker port), driven by a small work controller that reports status the way
// the work agent does; and the generic work source client with status resync by hashes.

package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	workv1client "open-cluster-management.io/api/client/work/clientset/versioned/typed/work/v1"
	workinformers "open-cluster-management.io/api/client/work/informers/externalversions"
	workv1listers "open-cluster-management.io/api/client/work/listers/work/v1"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/options"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/statushash"
	clientstore "open-cluster-management.io/sdk-go/pkg/cloudevents/clients/store"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work"
	agentcodec "open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/agent/codec"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/payload"
	sourceclient "open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/source/client"
	sourcecodec "open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/source/codec"
	workstore "open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/store"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/generic/clients"
	grpcoptions "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/options/grpc"
	generictypes "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/types"
)

func init() {
	// sdk-go waits 5 s (×5 per failure, up to a minute) before reconnecting; the reconnect tests
	// would spend most of their time there. Its own tests shorten the same knob.
	clients.DelayFn = func() time.Duration { return 300 * time.Millisecond }
}

// grpcOptions is sdk-go's gRPC configuration for addr, with keepalive as sdk-go's tests use it.
func grpcOptions(addr string) *grpcoptions.GRPCOptions {
	return &grpcoptions.GRPCOptions{
		Dialer: &grpcoptions.GRPCDialer{
			URL: addr,
			KeepAliveOptions: grpcoptions.KeepAliveOptions{
				Enable:              true,
				Time:                10 * time.Second,
				Timeout:             5 * time.Second,
				PermitWithoutStream: true,
			},
		},
	}
}

// sdkAgent is the sdk-go work agent client of one cluster plus a minimal work controller:
// it adds the work finalizer, reports Applied (and a feedback value naming the generation),
// and on deletion removes the finalizer, which makes the client publish the Deleted status.
type sdkAgent struct {
	store   *countingStore
	cluster string
	holder  *work.ClientHolder
	lister  workv1listers.ManifestWorkLister

	mu        sync.Mutex
	reported  map[types.UID]string // feedback value (generation and revision) last published
	revisions map[types.UID]int    // bumped by a test to make the agent publish a new status
	seen      map[types.UID]int64  // highest generation received
	deleted   map[types.UID]bool
}

const workFinalizer = "cluster.open-cluster-management.io/manifest-work-cleanup"

// countingStore is sdk-go's agent store, counting the spec events the client hands it.
type countingStore struct {
	*workstore.AgentInformerWatcherStore
	mu       sync.Mutex
	received []string
}

func (s *countingStore) HandleReceivedResource(ctx context.Context, w *workv1.ManifestWork) error {
	s.mu.Lock()
	s.received = append(s.received, fmt.Sprintf("%s gen=%d deleting=%t", w.UID, w.Generation, w.DeletionTimestamp != nil))
	s.mu.Unlock()
	return s.AgentInformerWatcherStore.HandleReceivedResource(ctx, w)
}

// specEvents lists the spec events the agent client decoded for uid, in order.
func (a *sdkAgent) specEvents(uid types.UID) []string {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	out := []string{}
	for _, r := range a.store.received {
		if strings.HasPrefix(r, string(uid)+" ") {
			out = append(out, strings.TrimPrefix(r, string(uid)+" "))
		}
	}
	return out
}

func startSDKAgent(t testing.TB, ctx context.Context, cluster, broker string) *sdkAgent {
	t.Helper()
	return startSDKAgentOver(t, ctx, cluster, grpcOptions(broker), "grpc")
}

// startSDKAgentOver starts sdk-go's work agent client with the transport options `config` (gRPC
// or MQTT options, as sdk-go's GenericClientOptions takes them) plus the small work controller.
func startSDKAgentOver(t testing.TB, ctx context.Context, cluster string, config any, transport string) *sdkAgent {
	t.Helper()
	store := &countingStore{AgentInformerWatcherStore: workstore.NewAgentInformerWatcherStore()}
	opt := options.NewGenericClientOptions(config, agentcodec.NewManifestBundleCodec(), cluster+"-work-agent").
		WithClientWatcherStore(store).
		WithClusterName(cluster)
	holder, err := work.NewAgentClientHolder(ctx, opt)
	if err != nil {
		t.Fatalf("NewAgentClientHolder (%s): %v", transport, err)
	}
	factory := workinformers.NewSharedInformerFactoryWithOptions(holder.WorkInterface(), 5*time.Minute, workinformers.WithNamespace(cluster))
	informer := factory.Work().V1().ManifestWorks()
	agent := &sdkAgent{
		store:     store,
		cluster:   cluster,
		holder:    holder,
		lister:    informer.Lister(),
		reported:  map[types.UID]string{},
		revisions: map[types.UID]int{},
		seen:      map[types.UID]int64{},
		deleted:   map[types.UID]bool{},
	}
	go informer.Informer().Run(ctx.Done())
	go agent.run(ctx)
	return agent
}

func (a *sdkAgent) run(ctx context.Context) {
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			works, err := a.lister.ManifestWorks(a.cluster).List(labels.Everything())
			if err != nil {
				continue
			}
			for _, w := range works {
				a.reconcile(ctx, w.DeepCopy())
			}
		}
	}
}

func (a *sdkAgent) reconcile(ctx context.Context, w *workv1.ManifestWork) {
	client := a.holder.ManifestWorks(a.cluster)
	a.mu.Lock()
	if w.Generation > a.seen[w.UID] {
		a.seen[w.UID] = w.Generation
	}
	reported := a.reported[w.UID]
	observed := fmt.Sprintf("g%dr%d", w.Generation, a.revisions[w.UID])
	a.mu.Unlock()
	if w.DeletionTimestamp != nil {
		patch := []byte(`{"metadata":{"finalizers":null}}`)
		if _, err := client.Patch(ctx, w.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err == nil {
			a.mu.Lock()
			a.deleted[w.UID] = true
			a.mu.Unlock()
		}
		return
	}
	if len(w.Finalizers) == 0 {
		patch := []byte(fmt.Sprintf(`{"metadata":{"finalizers":[%q]}}`, workFinalizer))
		_, _ = client.Patch(ctx, w.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		return
	}
	if reported == observed {
		return
	}
	patch, err := json.Marshal(map[string]any{"status": appliedStatus(w, observed)})
	if err != nil {
		panic(err)
	}
	if _, err := client.Patch(ctx, w.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err == nil {
		a.mu.Lock()
		a.reported[w.UID] = observed
		a.mu.Unlock()
	}
}

// appliedStatus is the status OCM's work agent reports for an applied ConfigMap work, plus a
// feedback value `observed` ("g<generation>r<revision>") so the source can tell which report
// it got.
func appliedStatus(w *workv1.ManifestWork, observed string) workv1.ManifestWorkStatus {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	return workv1.ManifestWorkStatus{
		Conditions: []metav1.Condition{
			{Type: workv1.WorkApplied, Status: metav1.ConditionTrue, ObservedGeneration: w.Generation, LastTransitionTime: now, Reason: "AppliedManifestWorkComplete", Message: "Apply manifest work complete"},
			{Type: workv1.WorkAvailable, Status: metav1.ConditionTrue, ObservedGeneration: w.Generation, LastTransitionTime: now, Reason: "ResourcesAvailable", Message: "All resources are available"},
		},
		ResourceStatus: workv1.ManifestResourceStatus{Manifests: []workv1.ManifestCondition{{
			ResourceMeta: workv1.ManifestResourceMeta{Ordinal: 0, Group: "", Version: "v1", Kind: "ConfigMap", Resource: "configmaps", Name: w.Name, Namespace: "default"},
			StatusFeedbacks: workv1.StatusFeedbackResult{Values: []workv1.FeedbackValue{{
				Name:  "observedBy",
				Value: workv1.FieldValue{Type: workv1.String, String: &observed},
			}}},
			Conditions: []metav1.Condition{
				{Type: workv1.ManifestApplied, Status: metav1.ConditionTrue, LastTransitionTime: now, Reason: "AppliedManifestComplete", Message: "Apply manifest complete"},
			},
		}}},
	}
}

func (a *sdkAgent) received(uid types.UID) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[uid]
}

// bump makes the agent publish a new status (a new feedback value) for work uid.
func (a *sdkAgent) bump(uid types.UID) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revisions[uid]++
	return fmt.Sprintf("g%dr%d", a.seen[uid], a.revisions[uid])
}

// observedValue is the feedback value the agent reported for the first manifest of work.
func observedValue(w *workv1.ManifestWork) string {
	for _, m := range w.Status.ResourceStatus.Manifests {
		for _, v := range m.StatusFeedbacks.Values {
			if v.Name == "observedBy" && v.Value.String != nil {
				return *v.Value.String
			}
		}
	}
	return ""
}

func (a *sdkAgent) confirmedDelete(uid types.UID) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deleted[uid]
}

// genericProtocol is how a generic source client talks gRPC: "v2" is what sdk-go's
// GenericClientOptions build (it requires the subscription-id header), "v1" the older transport
// Maestro's own Go client still uses (it ignores headers).
type genericProtocol string

const (
	protocolV2 genericProtocol = "v2"
	protocolV1 genericProtocol = "v1"
)

// startGenericSource is sdk-go's generic ManifestWork source client (CloudEventSourceClient with a
// lister and sdk-go's status hash, so it sends a status resync with hashes on every
// (re)subscribe) over a local store whose initial content is works (what a source restores
// from its own storage after a restart).
//
// The v1 transport reports "subscribed" before its stream is open, so the resync it sends then
// can reach the server before the stream does, and the answer is lost (v2 waits for the
// server's subscription-id header to close that gap). For v1 the returned resync sends another
// request; it is nil for v2, whose automatic resync must be enough.
func startGenericSource(t testing.TB, ctx context.Context, protocol genericProtocol, sourceID, grpcAddr string, works []*workv1.ManifestWork) (workv1client.ManifestWorksGetter, func()) {
	t.Helper()
	store, err := workstore.NewSourceLocalWatcherStore(ctx, func(context.Context) ([]*workv1.ManifestWork, error) { return works, nil })
	if err != nil {
		t.Fatalf("NewSourceLocalWatcherStore: %v", err)
	}
	if protocol == protocolV2 {
		opt := options.NewGenericClientOptions(grpcOptions(grpcAddr), sourcecodec.NewManifestBundleCodec(), sourceID+"-client").
			WithClientWatcherStore(store).
			WithSourceID(sourceID)
		holder, err := work.NewSourceClientHolder(ctx, opt)
		if err != nil {
			t.Fatalf("NewSourceClientHolder: %v", err)
		}
		return holder, nil
	}
	// The same wiring as GenericClientOptions.SourceClient, on the v1 transport.
	client, err := clients.NewCloudEventSourceClient(ctx,
		grpcoptions.NewSourceOptions(grpcOptions(grpcAddr), sourceID, payload.ManifestBundleEventDataType),
		clientstore.NewSourceWatcherStoreLister[*workv1.ManifestWork](store),
		statushash.StatusHash[*workv1.ManifestWork],
		sourcecodec.NewManifestBundleCodec())
	if err != nil {
		t.Fatalf("NewCloudEventSourceClient: %v", err)
	}
	client.Subscribe(ctx, store.HandleReceivedResource)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-client.SubscribedChan():
				if err := client.Resync(ctx, generictypes.ClusterAll); err != nil {
					t.Logf("v1 generic source resync: %v", err)
				}
			}
		}
	}()
	resync := func() {
		if err := client.Resync(ctx, generictypes.ClusterAll); err != nil {
			t.Logf("v1 generic source resync: %v", err)
		}
	}
	return &v1Works{client: sourceclient.NewManifestWorkSourceClient(sourceID, store, client)}, resync
}

// v1Works hands out the v1 client's ManifestWorkInterface per namespace, as sdk-go's wrapper does.
type v1Works struct {
	mu     sync.Mutex
	client *sourceclient.ManifestWorkSourceClient
}

func (w *v1Works) ManifestWorks(namespace string) workv1client.ManifestWorkInterface {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.client.SetNamespace(namespace)
	return w.client
}
