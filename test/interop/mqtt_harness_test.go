// MQTT-mode launchers and tools for the interop tests: a private Mosquitto per test, our server
// and agent and the real Go `maestro server` in MQTT mode, sdk-go's work agent client over MQTT,
// and a spy that reads every message on a consumer's topics with the Go CloudEvents MQTT binding.

package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudeventsmqtt "github.com/cloudevents/sdk-go/protocol/mqtt_paho/v2"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"open-cluster-management.io/sdk-go/pkg/cloudevents/clients/work/payload"
	mqttoptions "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/options/mqtt"
	genericpayload "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/payload"
	generictypes "open-cluster-management.io/sdk-go/pkg/cloudevents/generic/types"
)

// mosquittoBinary is the broker the MQTT tests start, or "" when it is not installed.
func mosquittoBinary() string {
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	if path, err := exec.LookPath("mosquitto"); err == nil {
		return path
	}
	return ""
}

// startMosquitto runs a private Mosquitto on a free loopback port (anonymous, no persistence,
// large queues, as test/support/mosquitto.ts configures it) and returns its host:port. The test
// is skipped when the binary is missing.
func startMosquitto(t testing.TB) string {
	t.Helper()
	binary := mosquittoBinary()
	if binary == "" {
		t.Skip("the mosquitto binary is not installed (/usr/sbin/mosquitto or on PATH); apt-get install mosquitto to run the MQTT interop tests")
	}
	dir := t.TempDir()
	port := freePort(t)
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"allow_anonymous true",
		"persistence false",
		"max_queued_messages 1000000",
		"log_dest stderr",
		"log_type error",
		"log_type warning",
		"log_type notice",
		"log_type information",
	}
	// As root, mosquitto drops to user "mosquitto", which cannot read the test's temp dir.
	if os.Geteuid() == 0 {
		lines = append(lines, "user root")
	}
	config := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(config, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "mosquitto", dir, nil, binary, "-c", config)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	err := poll(30*time.Second, func() error {
		if p.exited() {
			return fmt.Errorf("mosquitto exited")
		}
		return dialOnce(addr)
	})
	if err != nil {
		t.Fatalf("mosquitto did not come up: %v\n%s", err, p.tail(20))
	}
	return addr
}

// writeBrokerConfig writes Maestro's MQTT broker YAML (sdk-go MQTTConfig keys) for brokerHost.
func writeBrokerConfig(t testing.TB, brokerHost, sourceEvents, agentEvents string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mqtt.yaml")
	text := fmt.Sprintf("brokerHost: %s\ntopics:\n  sourceEvents: %s\n  agentEvents: %s\n", brokerHost, sourceEvents, agentEvents)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	// The server's topics as Maestro deploys them (maestro-wire.md 4.1).
	serverSourceEventsTopic = "sources/maestro/consumers/+/sourceevents"
	serverAgentEventsTopic  = "sources/maestro/consumers/+/agentevents"
)

func sourceEventsTopic(cluster string) string {
	return "sources/maestro/consumers/" + cluster + "/sourceevents"
}

func agentEventsTopic(cluster string) string {
	return "sources/maestro/consumers/" + cluster + "/agentevents"
}

// startOurMQTTServer runs `bun src/cli.ts server --message-broker-type=mqtt` against the broker
// with the PGlite store in dataDir (so a restart on the same dir keeps the resources).
func startOurMQTTServer(t testing.TB, brokerHost, dataDir string) *endpoints {
	t.Helper()
	config := writeBrokerConfig(t, brokerHost, serverSourceEventsTopic, serverAgentEventsTopic)
	p := startProcess(t, "maestro-bun server (mqtt)", repoRoot, []string{"DATABASE_URL="},
		bunPath, filepath.Join(repoRoot, "src", "cli.ts"), "server",
		"--server-hostname=127.0.0.1",
		"--http-server-bindport=0",
		"--grpc-server-bindport=0",
		"--metrics-server-bindport=0",
		"--health-check-server-bindport=0",
		"--db-data-dir="+dataDir,
		"--message-broker-type=mqtt",
		"--message-broker-config-file="+config,
	)
	record, err := p.waitJSON(90*time.Second, "serving")
	if err != nil {
		t.Fatalf("maestro-bun server (mqtt): %v\n%s", err, p.tail(40))
	}
	if record["mqtt"] != brokerHost || record["grpcBroker"] != nil {
		t.Fatalf("maestro-bun server in MQTT mode: serving record %v (want mqtt %q and no gRPC broker port)", record, brokerHost)
	}
	port := func(key string) string { return strconv.Itoa(int(record[key].(float64))) }
	return &endpoints{
		rest: "http://127.0.0.1:" + port("rest"),
		grpc: "127.0.0.1:" + port("grpc"),
		proc: p,
	}
}

// startOurMQTTAgent runs `bun src/cli.ts agent --simulate=1 --workload-source-driver=mqtt` as
// cluster `cluster`, with the agent YAML Maestro's docs give for one consumer.
func startOurMQTTAgent(t testing.TB, cluster, brokerHost string) *process {
	t.Helper()
	config := writeBrokerConfig(t, brokerHost, sourceEventsTopic(cluster), agentEventsTopic(cluster))
	p := startProcess(t, "maestro-bun agent (mqtt)", repoRoot, nil,
		bunPath, filepath.Join(repoRoot, "src", "cli.ts"), "agent",
		"--simulate=1",
		"--consumer-prefix="+cluster,
		"--workload-source-driver=mqtt",
		"--workload-source-config="+config,
		"--status-sync-interval=1s",
		"--metrics-server-bindport=0",
	)
	record, err := p.waitJSON(60*time.Second, "agent started")
	if err != nil {
		t.Fatalf("maestro-bun agent (mqtt): %v\n%s", err, p.tail(40))
	}
	if record["driver"] != "mqtt" {
		t.Fatalf("maestro-bun agent: started with %v, want driver mqtt", record)
	}
	return p
}

// startRealMaestroMQTT runs the real `maestro server --message-broker-type=mqtt` on a scratch
// database, with the broker YAML Maestro deploys (default --subscription-type=shared, client id
// and source id `maestro`).
func startRealMaestroMQTT(t testing.TB, brokerHost string) *endpoints {
	t.Helper()
	dir, dbFlags := migratedScratchDatabase(t)
	config := writeBrokerConfig(t, brokerHost, serverSourceEventsTopic, serverAgentEventsTopic)
	rest, grpc := freePort(t), freePort(t)
	args := append([]string{maestroBin, "server",
		"--message-broker-type=mqtt",
		"--message-broker-config-file=" + config,
		"--server-hostname=127.0.0.1",
		"--http-server-bindport=" + strconv.Itoa(rest),
		"--grpc-server-bindport=" + strconv.Itoa(grpc),
		"--grpc-broker-bindport=" + strconv.Itoa(freePort(t)),
		"--metrics-server-bindport=" + strconv.Itoa(freePort(t)),
		"--health-check-server-bindport=" + strconv.Itoa(freePort(t)),
		"--db-max-open-connections=10",
	}, dbFlags...)
	e := &endpoints{
		rest:     fmt.Sprintf("http://127.0.0.1:%d", rest),
		grpc:     fmt.Sprintf("127.0.0.1:%d", grpc),
		proc:     startProcess(t, "maestro server (Go, mqtt)", dir, nil, args...),
		upstream: true,
	}
	waitRealMaestro(t, e)
	return e
}

// startSDKMQTTAgent is startSDKAgent over MQTT: sdk-go's work agent client built as OCM's work
// agent builds it from --workload-source-driver=mqtt (the broker YAML read by
// mqtt.BuildMQTTOptionsFromFlags, then GenericClientOptions, whose builder makes sdk-go's v2 MQTT
// transport with client id <cluster>-work-agent-client), plus the small work controller.
func startSDKMQTTAgent(t testing.TB, ctx context.Context, cluster, brokerHost string) *sdkAgent {
	t.Helper()
	config := writeBrokerConfig(t, brokerHost, sourceEventsTopic(cluster), agentEventsTopic(cluster))
	mqttOptions, err := mqttoptions.BuildMQTTOptionsFromFlags(config)
	if err != nil {
		t.Fatalf("sdk-go BuildMQTTOptionsFromFlags: %v", err)
	}
	return startSDKAgentOver(t, ctx, cluster, mqttOptions, "mqtt")
}

// lastReported is the feedback value the agent last published for uid ("" if none).
func (a *sdkAgent) lastReported(uid types.UID) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reported[uid]
}

// ---- the spy ----

// spiedEvent is one MQTT message as sdk-go's CloudEvents MQTT binding reads it.
type spiedEvent struct {
	topic string
	event cloudevents.Event
}

func (e spiedEvent) String() string {
	return fmt.Sprintf("%s %s source=%s resourceid=%v resourceversion=%v", e.topic, e.event.Type(), e.event.Source(),
		e.event.Extensions()[generictypes.ExtensionResourceID], e.event.Extensions()[generictypes.ExtensionResourceVersion])
}

// ext is an extension's value as text ("" when absent).
func (e spiedEvent) ext(name string) string {
	v, ok := e.event.Extensions()[name]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// mqttSpy subscribes (QoS 1) to topic filters on the broker and keeps every message, decoded
// with binding.ToEvent(cloudeventsmqtt.NewMessage(...)) exactly as sdk-go's MQTT transport
// decodes what it receives; a message that does not decode is kept as an error.
type mqttSpy struct {
	mu     sync.Mutex
	events []spiedEvent
	errs   []string
}

func startMQTTSpy(t testing.TB, ctx context.Context, brokerHost string, filters ...string) *mqttSpy {
	t.Helper()
	spy := &mqttSpy{}
	conn, err := net.DialTimeout("tcp", brokerHost, 10*time.Second)
	if err != nil {
		t.Fatalf("spy: %v", err)
	}
	clientID := "interop-spy-" + rand.String(6)
	client := paho.NewClient(paho.ClientConfig{
		ClientID: clientID,
		Conn:     packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(r paho.PublishReceived) (bool, error) {
			evt, err := binding.ToEvent(ctx, cloudeventsmqtt.NewMessage(r.Packet))
			spy.mu.Lock()
			defer spy.mu.Unlock()
			if err != nil {
				spy.errs = append(spy.errs, fmt.Sprintf("%s: %v", r.Packet.Topic, err))
				return true, nil
			}
			spy.events = append(spy.events, spiedEvent{topic: r.Packet.Topic, event: *evt})
			return true, nil
		}},
	})
	ack, err := client.Connect(ctx, &paho.Connect{ClientID: clientID, KeepAlive: 30, CleanStart: true})
	if err != nil || ack.ReasonCode != 0 {
		t.Fatalf("spy connect: %v %v", err, ack)
	}
	subscribe := &paho.Subscribe{}
	for _, f := range filters {
		subscribe.Subscriptions = append(subscribe.Subscriptions, paho.SubscribeOptions{Topic: f, QoS: 1})
	}
	if _, err := client.Subscribe(ctx, subscribe); err != nil {
		t.Fatalf("spy subscribe: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(&paho.Disconnect{ReasonCode: 0}) })
	return spy
}

// mark is the position after the messages received so far (for since).
func (s *mqttSpy) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// since returns the messages received after mark that satisfy ok.
func (s *mqttSpy) since(mark int, ok func(spiedEvent) bool) []spiedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []spiedEvent
	for _, e := range s.events[mark:] {
		if ok(e) {
			out = append(out, e)
		}
	}
	return out
}

// undecodable lists the messages sdk-go's binding could not read as CloudEvents.
func (s *mqttSpy) undecodable() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// waitFor polls until a message after mark satisfies ok and returns the first one.
func (s *mqttSpy) waitFor(t testing.TB, mark int, what string, ok func(spiedEvent) bool) spiedEvent {
	t.Helper()
	var found spiedEvent
	eventually(t, statusTimeout, "MQTT message: "+what, func() error {
		got := s.since(mark, ok)
		if len(got) == 0 {
			return errNotYet
		}
		found = got[0]
		return nil
	})
	return found
}

// describe lists the messages after mark (for failure messages).
func (s *mqttSpy) describe(mark int) string {
	var lines []string
	for _, e := range s.since(mark, func(spiedEvent) bool { return true }) {
		lines = append(lines, e.String())
	}
	return strings.Join(lines, "\n")
}

// ceType is the manifestbundle event type for subResource and action, e.g.
// io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request.
func ceType(subResource generictypes.EventSubResource, action generictypes.EventAction) string {
	return generictypes.CloudEventsType{CloudEventsDataType: payload.ManifestBundleEventDataType, SubResource: subResource, Action: action}.String()
}

// isEvent matches a message on topic of type typ about resource uid ("" = any resource).
func isEvent(topic, typ string, uid types.UID) func(spiedEvent) bool {
	return func(e spiedEvent) bool {
		return e.topic == topic && e.event.Type() == typ && (uid == "" || e.ext(generictypes.ExtensionResourceID) == string(uid))
	}
}

// specVersions decodes a spec resync request's resource versions (id -> version).
func specVersions(t testing.TB, e spiedEvent) map[string]int64 {
	t.Helper()
	list, err := genericpayload.DecodeSpecResyncRequest(e.event)
	if err != nil {
		t.Fatalf("spec resync request %s: %v", e, err)
	}
	out := map[string]int64{}
	for _, v := range list.Versions {
		out[v.ResourceID] = v.ResourceVersion
	}
	return out
}

// statusHashes decodes a status resync request's hashes (id -> hash).
func statusHashes(t testing.TB, e spiedEvent) map[string]string {
	t.Helper()
	list, err := genericpayload.DecodeStatusResyncRequest(e.event)
	if err != nil {
		t.Fatalf("status resync request %s: %v", e, err)
	}
	out := map[string]string{}
	for _, h := range list.Hashes {
		out[h.ResourceID] = h.StatusHash
	}
	return out
}

// jsonText is v as JSON (for failure messages).
func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
