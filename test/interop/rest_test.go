// Maestro's generated OpenAPI client used directly (run by testSourceAndAgentClients).

package interop

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/openshift-online/maestro/pkg/api/openapi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	workv1client "open-cluster-management.io/api/client/work/clientset/versioned/typed/work/v1"
)

// testOpenAPIClient uses Maestro's generated REST client directly: consumers (list with search
// and paging, get, patch labels, a 404 decoded as Maestro's Error model) and resource bundles
// (list, get, and a REST delete that the agent completes).
func testOpenAPIClient(t *testing.T, ctx context.Context, srv *endpoints, works workv1client.WorkV1Interface, cluster, source string) {
	api := newAPIClient(srv.rest).DefaultAPI
	consumers, _, err := api.ApiMaestroV1ConsumersGet(ctx).Search(fmt.Sprintf("name in ('%s')", cluster)).Page(1).Size(10).Execute()
	if err != nil {
		t.Fatalf("list consumers: %v", err)
	}
	if consumers.Kind != "ConsumerList" || consumers.Total != 1 || len(consumers.Items) != 1 || *consumers.Items[0].Name != cluster {
		t.Fatalf("consumers: %+v", consumers)
	}
	consumer := consumers.Items[0]
	if *consumer.Kind != "Consumer" || *consumer.Href != "/api/maestro/v1/consumers/"+*consumer.Id || consumer.CreatedAt == nil || (*consumer.Labels)["interop"] != "true" {
		t.Fatalf("consumer: %+v", consumer)
	}
	relabelled, _, err := api.ApiMaestroV1ConsumersIdPatch(ctx, *consumer.Id).ConsumerPatchRequest(openapi.ConsumerPatchRequest{Labels: &map[string]string{"interop": "patched"}}).Execute()
	if err != nil || (*relabelled.Labels)["interop"] != "patched" {
		t.Fatalf("patch consumer labels: %v %+v", err, relabelled)
	}
	got, _, err := api.ApiMaestroV1ConsumersIdGet(ctx, *consumer.Id).Execute()
	if err != nil || (*got.Labels)["interop"] != "patched" || *got.Name != cluster {
		t.Fatalf("get consumer: %v %+v", err, got)
	}
	_, res, err := api.ApiMaestroV1ConsumersIdGet(ctx, "no-such-consumer").Execute()
	var apiErr *openapi.GenericOpenAPIError
	if res == nil || res.StatusCode != 404 || !errors.As(err, &apiErr) {
		t.Fatalf("get a missing consumer: %v %v", res, err)
	}
	if model, ok := apiErr.Model().(openapi.Error); !ok || *model.Code != "maestro-7" || *model.Reason != "Consumer with id='no-such-consumer' not found" {
		t.Fatalf("missing consumer error model: %#v", apiErr.Model())
	}

	all, _, err := api.ApiMaestroV1ResourceBundlesGet(ctx).Search(fmt.Sprintf("source='%s'", source)).Page(1).Size(2).Execute()
	if err != nil {
		t.Fatalf("list resource bundles: %v", err)
	}
	if all.Kind != "ResourceBundleList" || all.Size != 2 || all.Page != 1 || all.Total < 3 {
		t.Fatalf("resource bundles page: kind %s page %d size %d total %d", all.Kind, all.Page, all.Size, all.Total)
	}
	id := string(workUID(source, cluster, "c2"))
	bundle, _, err := api.ApiMaestroV1ResourceBundlesIdGet(ctx, id).Execute()
	if err != nil {
		t.Fatalf("get resource bundle: %v", err)
	}
	if *bundle.Id != id || *bundle.Name != id || *bundle.ConsumerName != cluster || *bundle.Version != 1 || len(bundle.Manifests) != 1 || bundle.Status["ObservedVersion"] != float64(1) {
		t.Fatalf("resource bundle: %+v", bundle)
	}
	if bundle.Metadata["name"] != "c2" || bundle.Metadata["creationTimestamp"] == nil {
		t.Fatalf("resource bundle metadata: %v", bundle.Metadata)
	}
	res, err = api.ApiMaestroV1ResourceBundlesIdDelete(ctx, id).Execute()
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("REST delete: %v %v", res, err)
	}
	eventually(t, statusTimeout, "c2 deleted through REST, confirmed by the agent", func() error {
		if _, err := works.ManifestWorks(cluster).Get(ctx, "c2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
}
