using UsbMesh.Sessions;

namespace UsbMesh.Node.Shell;

/// <summary><c>sessions list | kill</c>: the device sessions of this node, both the ones it serves and its imports.</summary>
internal static class SessionsPalette
{
    public static readonly string[] Columns = ["id", "device", "peer", "role", "state", "urbs", "bytes-in", "bytes-out", "latency-ms", "since"];

    public static ShellPalette Create(ShellServices services) => new("sessions", "Device sessions with other nodes.",
    [
        new(new("list", "Sessions of this node: export (a peer imports a device of this node) and import (this node imports a peer's).", []),
            call => ListAsync(services, call)),
        new(new("kill", "Ends a session now; the device's lease is released.",
            [Arg.Positional("id", "The session's id, or the start of it (`sessions list`).", 0)], RequiresAdmin: true),
            call => KillAsync(services, call)),
    ]);

    /// <summary>A session id as tables show it: the first 8 hex digits, the same on both nodes.</summary>
    public static string ShortId(Guid id) => id.ToString("N")[..8];

    private static async Task<(IReadOnlyList<ClientSessions.SessionSummary> Exports, IReadOnlyList<Imports.ImportSummary> Imports)> GatherAsync(ShellServices services, CancellationToken cancellation)
    {
        var exports = await services.AskAsync<ClientSessions.Current>(services.Sessions, ClientSessions.List.Instance, "sessions", cancellation).ConfigureAwait(false);
        var imports = await services.AskAsync<Imports.Current>(services.Imports, Imports.List.Instance, "imports", cancellation).ConfigureAwait(false);
        return (exports.Sessions, imports.Imports);
    }

    private static async Task ListAsync(ShellServices services, ShellInvocation call)
    {
        var (exports, imports) = await GatherAsync(services, call.Cancellation).ConfigureAwait(false);
        var rows = exports.Select(s => Row(s.Id, $"{services.NodeName}/{s.BusId}", services.NameOf(s.Importer), "export", s.Stats?.State ?? (s.Connected ? "up" : "opening"), s.Stats))
            .Concat(imports.Select(i => Row(i.SessionId, $"{services.NameOf(i.Node)}/{i.BusId}", services.NameOf(i.Node), "import", i.Stats?.State ?? "up", i.Stats)));
        await call.Output.TableAsync("sessions", Columns, rows).ConfigureAwait(false);
    }

    private static IReadOnlyList<string> Row(Guid id, string device, string peer, string role, string state, SessionStats? stats) =>
    [
        ShortId(id), device, peer, role, state,
        ShellFormat.Number(stats?.Urbs ?? 0), ShellFormat.Number(stats?.BytesIn ?? 0), ShellFormat.Number(stats?.BytesOut ?? 0),
        stats?.LatencyMs is { } latency ? ShellFormat.Number(latency) : "",
        stats is null ? "" : ShellFormat.Time(stats.Since),
    ];

    private static async Task KillAsync(ShellServices services, ShellInvocation call)
    {
        var key = call.Required("id").Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        var (exports, imports) = await GatherAsync(services, call.Cancellation).ConfigureAwait(false);
        var matches = exports.Select(s => (s.Id, Export: true)).Concat(imports.Select(i => (Id: i.SessionId, Export: false)))
            .Where(m => m.Id.ToString("N").StartsWith(key, StringComparison.Ordinal)).ToList();
        switch (matches.Count)
        {
            case 0:
                throw ShellCommandException.NotFound($"No session '{key}' on node '{services.NodeName}' (`sessions list`).");
            case > 1 when matches.Select(m => m.Id).Distinct().Count() > 1:
                throw ShellCommandException.Usage($"'{key}' starts the ids of {matches.Count} sessions; give more of it.");
        }

        foreach (var (id, export) in matches)
        {
            if (export)
            {
                await services.AskAsync<ClientSessions.Killed>(services.Sessions, new ClientSessions.Kill(id), "sessions", call.Cancellation).ConfigureAwait(false);
            }
            else
            {
                await services.AskAsync<Imports.Closed>(services.Imports, new Imports.Close(id), "imports", call.Cancellation).ConfigureAwait(false);
            }
        }

        await call.Output.LineAsync($"Ended session {ShortId(matches[0].Id)}; the device's lease is released.").ConfigureAwait(false);
    }
}
