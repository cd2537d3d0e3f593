// The real Go clients under test, built exactly as their users build them: Maestro's gRPC source
// work client with its OpenAPI REST client, and helpers around ManifestWorks and watches.

package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/openshift-online/maestro/pkg/api/openapi"
	"github.com/openshift-online/maestro/pkg/client/cloudevents/grpcsource"
	"github.com/openshift-online/ocm-sdk-go/logging"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	workv1client "open-cluster-management.io/api/client/work/clientset/versioned/typed/work/v1"
	workv1 "open-cluster-management.io/api/work/v1"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/common"
	grpcoptions "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/options/grpc"
)

// newAPIClient is Maestro's generated OpenAPI client for rest (http://host:port).
func newAPIClient(rest string) *openapi.APIClient {
	return openapi.NewAPIClient(&openapi.Configuration{
		DefaultHeader:    map[string]string{},
		UserAgent:        "OpenAPI-Generator/1.0.0/go",
		Servers:          openapi.ServerConfigurations{{URL: rest, Description: "interop"}},
		OperationServers: map[string]openapi.ServerConfigurations{},
		HTTPClient:       &http.Client{Timeout: 10 * time.Second},
	})
}

// newWorkClient is Maestro's Go work client (grpcsource) for sourceID, as its example builds it.
func newWorkClient(t testing.TB, ctx context.Context, e *endpoints, sourceID string) workv1client.WorkV1Interface {
	t.Helper()
	logger, err := logging.NewStdLoggerBuilder().Streams(clientLog, clientLog).Build()
	if err != nil {
		t.Fatal(err)
	}
	healthiness := 20 * time.Second
	opts := &grpcoptions.GRPCOptions{
		Dialer:                   &grpcoptions.GRPCDialer{URL: e.grpc},
		ServerHealthinessTimeout: &healthiness,
	}
	client, err := grpcsource.NewMaestroGRPCSourceWorkClient(ctx, logger, newAPIClient(e.rest), opts, sourceID)
	if err != nil {
		t.Fatalf("NewMaestroGRPCSourceWorkClient: %v", err)
	}
	return client
}

// createConsumer registers cluster name through the Go OpenAPI client.
func createConsumer(t testing.TB, ctx context.Context, rest, name string) openapi.Consumer {
	t.Helper()
	consumer, res, err := newAPIClient(rest).DefaultAPI.ApiMaestroV1ConsumersPost(ctx).
		Consumer(openapi.Consumer{Name: &name, Labels: &map[string]string{"interop": "true"}}).Execute()
	if err != nil {
		t.Fatalf("create consumer %s: %v (%s)", name, err, responseText(res))
	}
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create consumer %s: HTTP %d", name, res.StatusCode)
	}
	return *consumer
}

func responseText(res *http.Response) string {
	if res == nil {
		return "no response"
	}
	return res.Status
}

// configMapWork is a ManifestWork holding one ConfigMap named after the work.
func configMapWork(name string, labels map[string]string, data string) *workv1.ManifestWork {
	return &workv1.ManifestWork{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: workv1.ManifestWorkSpec{
			Workload: workv1.ManifestsTemplate{Manifests: []workv1.Manifest{configMap(name, data)}},
		},
	}
}

func configMap(name, data string) workv1.Manifest {
	return manifest(map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": name, "namespace": "default", "labels": map[string]any{"test": "true"}},
		"data":       map[string]any{"test": data},
	})
}

func manifest(obj map[string]any) workv1.Manifest {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return workv1.Manifest{RawExtension: runtime.RawExtension{Raw: raw}}
}

// watchLog records every event a watch delivers (the Go client's channel is unbuffered, so it
// must be drained all the time).
type watchLog struct {
	mu     sync.Mutex
	events []watch.Event
}

func collectWatch(ctx context.Context, w watch.Interface) *watchLog {
	log := &watchLog{}
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-w.ResultChan():
				if !ok {
					return
				}
				log.mu.Lock()
				log.events = append(log.events, evt)
				log.mu.Unlock()
			}
		}
	}()
	return log
}

// find returns the works of the events of type typ for work name that satisfy ok.
func (l *watchLog) find(typ watch.EventType, name string, ok func(*workv1.ManifestWork) bool) *workv1.ManifestWork {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, evt := range l.events {
		work, isWork := evt.Object.(*workv1.ManifestWork)
		if isWork && evt.Type == typ && work.Name == name && (ok == nil || ok(work)) {
			return work
		}
	}
	return nil
}

func (l *watchLog) types() map[watch.EventType]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts := map[watch.EventType]int{}
	for _, evt := range l.events {
		counts[evt.Type]++
	}
	return counts
}

func (l *watchLog) names() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := map[string]bool{}
	for _, evt := range l.events {
		if work, ok := evt.Object.(*workv1.ManifestWork); ok {
			names[work.Namespace+"/"+work.Name] = true
		}
	}
	return names
}

func (l *watchLog) uids() map[types.UID]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	uids := map[types.UID]bool{}
	for _, evt := range l.events {
		if work, ok := evt.Object.(*workv1.ManifestWork); ok {
			uids[work.UID] = true
		}
	}
	return uids
}

func conditionTrue(work *workv1.ManifestWork, condition string) bool {
	return meta.IsStatusConditionTrue(work.Status.Conditions, condition)
}

func isDeletedStatus(work *workv1.ManifestWork) bool {
	return conditionTrue(work, common.ResourceDeleted)
}

// waitWork polls Get until ok accepts the work.
func waitWork(t testing.TB, ctx context.Context, works workv1client.WorkV1Interface, ns, name string, timeout time.Duration, what string, ok func(*workv1.ManifestWork) error) *workv1.ManifestWork {
	t.Helper()
	var last *workv1.ManifestWork
	eventually(t, timeout, what, func() error {
		work, err := works.ManifestWorks(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		last = work
		return ok(work)
	})
	return last
}

func describeStatus(work *workv1.ManifestWork) string {
	raw, _ := json.Marshal(work.Status)
	return fmt.Sprintf("generation %d status %s", work.Generation, raw)
}
