using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using UsbMesh.Shell;

namespace UsbMesh.Dashboard;

/// <summary>
/// The dashboard's routes: the page (<c>/</c>, its script and style), <c>GET /api/state</c> (open to whoever reaches
/// the listener) and <c>POST /api/attach</c>, <c>/api/detach</c> (only with the admin token, in the
/// <see cref="TokenHeader"/> header). Everything comes from the node's command host through <see cref="NodeShell"/>.
/// </summary>
internal sealed class DashboardApi(NodeShell shell, DashboardToken token, ThroughputTracker throughput)
{
    public const string TokenHeader = "X-UsbMesh-Token";

    private static readonly string[] Verbs = ["attach", "detach"];

    public void Map(WebApplication app)
    {
        app.MapGet("/", context => Asset(context, "index.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", context => Asset(context, "dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard.css", context => Asset(context, "dashboard.css", "text/css; charset=utf-8"));
        app.MapGet("/api/state", StateAsync);
        foreach (var verb in Verbs)
        {
            app.MapPost($"/api/{verb}", context => ActAsync(context, verb));
        }
    }

    private async Task StateAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var reads = new[] { "node status", "peers list", "devices list", "sessions list" }
            .Select(line => shell.RunAsync(line.Split(' '), aborted))
            .ToArray();
        var outcomes = await Task.WhenAll(reads).ConfigureAwait(false);
        var errors = outcomes.Where(o => o.Error is not null).Select(o => Describe(o.Error!)).Distinct().ToList();
        var sessions = Rows(outcomes[3], "sessions");
        throughput.Retain(sessions.Select(s => s.GetValueOrDefault("id", "")).ToHashSet(StringComparer.Ordinal));
        var state = new DashboardState(
            Rows(outcomes[0], "node").FirstOrDefault(),
            Rows(outcomes[1], "peers"),
            Rows(outcomes[2], "devices"),
            [.. sessions.Select(WithRates)],
            errors);
        NoStore(context);
        await context.Response.WriteAsJsonAsync(state, DashboardJson.Default.DashboardState, cancellationToken: aborted).ConfigureAwait(false);
    }

    private IReadOnlyDictionary<string, string> WithRates(Dictionary<string, string> session)
    {
        var rates = throughput.Observe(session.GetValueOrDefault("id", ""), session.GetValueOrDefault("bytes-in", ""), session.GetValueOrDefault("bytes-out", ""));
        if (rates is { } rate)
        {
            session["rate-in"] = Math.Round(rate.In).ToString(CultureInfo.InvariantCulture);
            session["rate-out"] = Math.Round(rate.Out).ToString(CultureInfo.InvariantCulture);
        }

        return session;
    }

    private async Task ActAsync(HttpContext context, string verb)
    {
        NoStore(context);
        if (!token.Accepts(context.Request.Headers[TokenHeader].FirstOrDefault()))
        {
            await ReplyAsync(context, HttpStatusCode.Forbidden, new ActionResult(false,
                $"Denied: {verb} needs the dashboard's admin token. Open the address with ?token=... that the node logged at start, or read {token.File}.", [])).ConfigureAwait(false);
            return;
        }

        ActionRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(DashboardJson.Default.ActionRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            request = null;
        }

        if (request?.Device is not { Length: > 0 } device || device.StartsWith('-'))
        {
            await ReplyAsync(context, HttpStatusCode.BadRequest, new ActionResult(false, "Usage: name a device as node/bus-id.", [])).ConfigureAwait(false);
            return;
        }

        var outcome = await shell.RunAsync([verb, device], context.RequestAborted).ConfigureAwait(false);
        if (outcome.Error is { } error)
        {
            await ReplyAsync(context, StatusOf(error.Code), new ActionResult(false, Describe(error), outcome.Lines)).ConfigureAwait(false);
            return;
        }

        var message = outcome.Lines.Count > 0 ? outcome.Lines[^1] : $"{verb} {device}: done.";
        await ReplyAsync(context, HttpStatusCode.OK, new ActionResult(true, message, outcome.Lines)).ConfigureAwait(false);
    }

    private static List<Dictionary<string, string>> Rows(CommandOutcome outcome, string title)
    {
        if (!outcome.Tables.TryGetValue(title, out var table))
        {
            return [];
        }

        return [.. table.Rows.Select(row =>
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < table.Columns.Count && i < row.Count; i++)
            {
                values[table.Columns[i]] = row[i];
            }

            return values;
        })];
    }

    /// <summary>An error as the page shows it: "Denied: ...", "Not found: ...".</summary>
    private static string Describe(ShellFrame.Error error)
    {
        var label = error.Code switch
        {
            ShellErrors.Denied => "Denied",
            ShellErrors.NotFound => "Not found",
            ShellErrors.Usage => "Usage",
            ShellErrors.Unavailable => "Unavailable",
            _ => "Failed",
        };
        return error.Message.StartsWith(label, StringComparison.OrdinalIgnoreCase) ? error.Message : $"{label}: {error.Message}";
    }

    private static HttpStatusCode StatusOf(string code) => code switch
    {
        ShellErrors.Denied => HttpStatusCode.Forbidden,
        ShellErrors.NotFound => HttpStatusCode.NotFound,
        ShellErrors.Usage => HttpStatusCode.BadRequest,
        ShellErrors.Unavailable => HttpStatusCode.ServiceUnavailable,
        _ => HttpStatusCode.Conflict,
    };

    private static Task ReplyAsync(HttpContext context, HttpStatusCode status, ActionResult result)
    {
        context.Response.StatusCode = (int)status;
        return context.Response.WriteAsJsonAsync(result, DashboardJson.Default.ActionResult, cancellationToken: context.RequestAborted);
    }

    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store";

    private static async Task Asset(HttpContext context, string name, string contentType)
    {
        await using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream($"dashboard/{name}")
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded.");
        context.Response.ContentType = contentType;
        context.Response.ContentLength = stream.Length;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
