using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using UsbMesh.Metrics.Tests;
using UsbMesh.Shell;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Dashboard.Tests;

/// <summary>The desk's dashboard and metrics over plain HTTP: what a scraper, a script or a hostile page gets.</summary>
[Collection(DashboardMeshCollection.Name)]
[UnsupportedOSPlatform("windows")]
public sealed class DashboardHttpSpec(DashboardMesh mesh)
{
    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format()
    {
        using var response = await mesh.Http.GetAsync(mesh.DeskDashboard.MetricsAddress);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var families = PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("gauge", families["usbmesh_mesh_peers"].Type);
        Assert.Contains(families["usbmesh_mesh_peers"].Samples, s => s.Has(("state", "up")) && s.Value >= 1);
        Assert.Equal("histogram", families["usbmesh_transport_rtt_seconds"].Type);
        Assert.Contains(families["usbmesh_transport_rtt_seconds"].Samples, s => s.Name == "usbmesh_transport_rtt_seconds_count" && s.Value >= 1);
        Assert.Equal("counter", families["usbmesh_remote_associations_total"].Type);
        Assert.Equal("gauge", families["usbmesh_node_uptime_seconds"].Type);
        Assert.Contains(families["usbmesh_node_uptime_seconds"].Samples, s => s.Has(("node", "desk")) && s.Value > 0);
    }

    [Fact]
    public async Task With_the_token_a_device_is_attached_and_its_urbs_counted_by_device_and_direction()
    {
        var attached = await ActAsync("attach", mesh.DeskDashboard.Token!.Value);
        Assert.True(attached.GetProperty("ok").GetBoolean(), attached.ToString());
        try
        {
            await using var client = await UsbIpClient.ImportAsync(mesh.DeskUsbipd, "hub:100-1");
            for (var i = 0; i < 20; i++)
            {
                await client.SubmitAsync(UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18))).WaitAsync(DashboardMesh.Bound);
            }

            var families = PrometheusTextParser.Parse(await mesh.Http.GetStringAsync(mesh.DeskDashboard.MetricsAddress));

            // Counted where the URBs are answered: by the hub's session (bus id 100-1) and the desk's usbipd endpoint.
            // Both nodes run in this process, so one exporter sees both.
            foreach (var device in new[] { "100-1", "hub:100-1" })
            {
                Assert.Contains(families["usbmesh_urbs_total"].Samples, s => s.Has(("device", device), ("direction", "in")) && s.Value >= 20);
                Assert.Contains(families["usbmesh_urb_bytes_total"].Samples, s => s.Has(("device", device), ("direction", "in")) && s.Value >= 20 * 18);
                Assert.Contains(families["usbmesh_urb_duration_seconds"].Samples,
                    s => s.Name == "usbmesh_urb_duration_seconds_count" && s.Has(("device", device), ("direction", "in")) && s.Value >= 20);
            }

            var sessions = families["usbmesh_sessions"].Samples;
            Assert.True(sessions.Count(s => s.Value >= 1) == 2, string.Join(", ", sessions.Select(s => $"{s.Labels["role"]}={s.Value}")));
        }
        finally
        {
            // The import ends once its USB/IP client leaves, or with a detach; the other specs start from a free stick.
            if (HolderOf(await mesh.StateAsync()) != "")
            {
                await ActAsync("detach", mesh.DeskDashboard.Token!.Value);
            }

            await DashboardMesh.WaitUntilAsync(async () => HolderOf(await mesh.StateAsync()) == "");
        }
    }

    private static string? HolderOf(JsonElement state) =>
        state.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("device").GetString() == DashboardMesh.Stick).GetProperty("holder").GetString();

    [Fact]
    public async Task The_shell_shows_the_same_metrics()
    {
        await using var shell = await ShellClient.ConnectAsync(Path.Combine(mesh.StateOf("desk"), "admin.sock"), "tests");
        var lines = new List<string>();
        await foreach (var frame in shell.RunAsync(new CommandRequest("metrics", "show", new Dictionary<string, string>())))
        {
            lines.AddRange(frame is ShellFrame.Line line ? [line.Text] : []);
        }

        var families = PrometheusTextParser.Parse(string.Concat(lines.Select(l => l + "\n")));

        Assert.Contains(families["usbmesh_mesh_peers"].Samples, s => s.Has(("state", "up")));
    }

    [Fact]
    public async Task The_state_lists_the_node_its_peers_and_the_devices_it_sees()
    {
        var state = await mesh.StateAsync();

        Assert.Equal("desk", state.GetProperty("node").GetProperty("name").GetString());
        Assert.Contains(state.GetProperty("peers").EnumerateArray(), p => p.GetProperty("name").GetString() == "hub");
        var stick = state.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("device").GetString() == DashboardMesh.Stick);
        Assert.Equal("hub", stick.GetProperty("node").GetString());
        Assert.Empty(state.GetProperty("errors").EnumerateArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-token")]
    public async Task Attach_and_detach_are_refused_without_the_token(string? token)
    {
        foreach (var verb in new[] { "attach", "detach" })
        {
            var result = await ActAsync(verb, token);

            Assert.Equal((int)HttpStatusCode.Forbidden, result.GetProperty("status").GetInt32());
            Assert.StartsWith($"Denied: {verb} needs the dashboard's admin token", result.GetProperty("message").GetString());
        }

        Assert.Equal("", HolderOf(await mesh.StateAsync()));
    }

    [Fact]
    public async Task A_foreign_host_name_is_refused_on_loopback()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(mesh.Dashboard, "/api/state"));
        request.Headers.Host = "rebound.example";

        using var response = await mesh.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
    }

    [Fact]
    public void The_token_is_in_the_state_directory_for_the_node_s_user_only()
    {
        var file = Path.Combine(mesh.StateOf("desk"), "dashboard.token");

        Assert.Equal(mesh.DeskDashboard.Token!.Value, File.ReadAllText(file).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains($"?token={mesh.DeskDashboard.Token.Value}", File.ReadAllText(Path.Combine(mesh.StateOf("desk"), "node.log")));
    }

    [Fact]
    public async Task The_page_and_its_assets_are_served()
    {
        foreach (var (path, type) in new[] { ("/", "text/html"), ("/dashboard.js", "text/javascript"), ("/dashboard.css", "text/css") })
        {
            using var response = await mesh.Http.GetAsync(new Uri(mesh.Dashboard, path));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    /// <summary>Posts an attach or detach of the stick; the JSON answer with the HTTP status added as <c>status</c>.</summary>
    private async Task<JsonElement> ActAsync(string verb, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(mesh.Dashboard, $"/api/{verb}"))
        {
            Content = new StringContent($$"""{"device":"{{DashboardMesh.Stick}}"}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Add("X-UsbMesh-Token", token);
        }

        using var response = await mesh.Http.SendAsync(request);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        answer["status"] = (int)response.StatusCode;
        return JsonSerializer.SerializeToElement(answer);
    }
}
