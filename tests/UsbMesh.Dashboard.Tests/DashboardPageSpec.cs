using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using UsbMesh.Usb;
using UsbMesh.UsbIp;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace UsbMesh.Dashboard.Tests;

/// <summary>
/// The desk's dashboard in headless Chromium: it shows the nodes and the hub's stick; attaching without the admin
/// token shows the node's refusal; with the token the stick shows its holder and its session its throughput while a
/// USB/IP client reads from it; detaching frees it. Screenshots of each step are kept as test artefacts.
/// </summary>
[Collection(DashboardMeshCollection.Name)]
[UnsupportedOSPlatform("windows")]
public sealed partial class DashboardPageSpec(DashboardMesh mesh, ITestOutputHelper output)
{
    private static readonly string Artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");

    [ChromiumFact]
    public async Task Shows_the_mesh_and_attaches_and_detaches_the_stick_only_with_the_token()
    {
        SetDefaultExpectTimeout((float)DashboardMesh.Bound.TotalMilliseconds);
        Directory.CreateDirectory(Artifacts);
        output.WriteLine($"Screenshots: {Artifacts}");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumFactAttribute.Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });

        // Without the token: the mesh is shown, the attach is refused.
        var reader = await browser.NewPageAsync();
        await reader.GotoAsync(mesh.Dashboard.ToString());
        await Expect(reader.Locator("#node-name")).ToHaveTextAsync("desk");
        await Expect(reader.Locator("#nodes tr[data-node='hub'] .state")).ToHaveTextAsync("up");
        var stick = reader.Locator($"#devices tr[data-device='{DashboardMesh.Stick}']");
        await Expect(stick.Locator(".holder")).ToHaveTextAsync("free");
        await ShotAsync(reader, "1-mesh");
        await stick.Locator("button[data-action='attach']").ClickAsync();
        await Expect(reader.Locator("#message")).ToHaveTextAsync(DeniedText());
        await ShotAsync(reader, "2-denied");
        Assert.Equal(0, (await mesh.StateAsync()).GetProperty("sessions").GetArrayLength());

        // With the token (taken from the address, which the page then clears): attach, use, detach.
        var admin = await browser.NewPageAsync();
        await admin.GotoAsync(new Uri(mesh.Dashboard, $"/?token={mesh.DeskDashboard.Token!.Value}").ToString());
        await Expect(admin).ToHaveURLAsync(new Uri(mesh.Dashboard, "/").ToString());
        stick = admin.Locator($"#devices tr[data-device='{DashboardMesh.Stick}']");
        await stick.Locator("button[data-action='attach']").ClickAsync();
        await Expect(stick.Locator(".holder")).ToHaveTextAsync("desk");
        var session = admin.Locator($"#sessions tr[data-device='{DashboardMesh.Stick}']");
        await Expect(session).ToHaveCountAsync(1);

        // A USB/IP client reads from the stick through the desk's usbipd endpoint until the detach takes it away
        // (the import would also end by itself once the client left, so the detach comes first).
        using var traffic = new CancellationTokenSource();
        var reading = ReadDescriptorsAsync(traffic.Token);
        await Expect(session.Locator(".rate-in")).ToHaveTextAsync(NonZeroRate());
        await Expect(session.Locator(".latency")).ToHaveTextAsync(new Regex(@"\d ms$"));
        await ShotAsync(admin, "3-attached");

        await stick.Locator("button[data-action='detach']").ClickAsync();
        await Expect(stick.Locator(".holder")).ToHaveTextAsync("free");
        await Expect(session).ToHaveCountAsync(0);
        await ShotAsync(admin, "4-detached");
        await traffic.CancelAsync();
        Assert.True(await reading > 0, "no URB was answered while the stick was attached");
    }

    /// <summary>Reads the stick's device descriptor over and over through the desk's usbipd endpoint, where the
    /// attached stick is offered, until the device goes or <paramref name="stop"/>; returns how many were answered.</summary>
    private async Task<int> ReadDescriptorsAsync(CancellationToken stop)
    {
        var answered = 0;
        try
        {
            await using var client = await UsbIpClient.ImportAsync(mesh.DeskUsbipd, "hub:100-1", cancellationToken: stop);
            var request = UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18));
            while (!stop.IsCancellationRequested)
            {
                var result = await client.SubmitAsync(request).WaitAsync(DashboardMesh.Bound, stop);
                if (result.Status != UrbStatus.Completed)
                {
                    break;
                }

                Assert.Equal(18, result.ActualLength);
                answered++;
                await Task.Delay(5, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or UsbIpProtocolException)
        {
            // Stopped, or the detach closed the connection under a transfer.
        }

        return answered;
    }

    private async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(Artifacts, $"dashboard-{name}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
    }

    [GeneratedRegex("^Denied: attach needs the dashboard's admin token")]
    private static partial Regex DeniedText();

    [GeneratedRegex(@"^[1-9][\d.]* [KMG]?B/s$")]
    private static partial Regex NonZeroRate();
}
