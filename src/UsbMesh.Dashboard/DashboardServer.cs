using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UsbMesh.Metrics;
using UsbMesh.Net;

namespace UsbMesh.Dashboard;

/// <summary>
/// One Kestrel listener of the node: the dashboard, the metrics, or both. Built bare (no configuration files,
/// environment variables or logging providers of its own): the node's HOCON says where it listens and its log is
/// the node's log.
/// </summary>
internal static partial class DashboardServer
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "::1", "[::1]"];

    public static WebApplication Build(IPEndPoint endpoint, DashboardSettings settings, ILoggerFactory loggers, DashboardApi? dashboard, string? metricsPath, PrometheusExporter? exporter)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "usbmesh-dashboard" });
        var admission = new ConnectionAdmission($"dashboard {endpoint}", settings.Admission.Limits, RefusalReport(loggers), settings.Admission.ReportInterval);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            // Slow clients: headers within the handshake timeout, a body at Kestrel's minimum rate (240 bytes/s after
            // a 5 s grace, its default, kept), no idle connection beyond the keep-alive timeout.
            kestrel.Limits.RequestHeadersTimeout = settings.Admission.HandshakeTimeout;
            kestrel.Limits.KeepAliveTimeout = settings.KeepAliveTimeout;
            kestrel.Listen(endpoint, listen => listen.Use(next => connection => AdmitAsync(admission, settings.Admission.HandshakeTimeout, connection, next)));
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggers);
        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(admission.Dispose);
        var loopback = IPAddress.IsLoopback(endpoint.Address);
        app.Use((context, next) =>
        {
            // A page on another site cannot read from here (no CORS), but a name it controls that resolves to the
            // loopback address would make its requests same-origin (DNS rebinding): on loopback, only loopback names.
            if (loopback && !LoopbackNames.Contains(context.Request.Host.Host, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return Task.CompletedTask;
            }

            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            // The page's address carries the admin token: it must not leave in a Referer header.
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        dashboard?.Map(app);
        if (metricsPath is not null && exporter is not null)
        {
            app.MapGet(metricsPath, context =>
            {
                context.Response.ContentType = PrometheusExporter.ContentType;
                return context.Response.WriteAsync(exporter.Render(), context.RequestAborted);
            });
        }

        return app;
    }

    /// <summary>
    /// Kestrel's own connection cap logs a warning per refused connection, so the cap and the rate per address are
    /// the node's shared admission instead, which reports refusals once per interval. Kestrel's request headers
    /// timeout only starts with a request's first byte (before it, a connection is idle under the keep-alive
    /// timeout), so the first byte must come within the handshake timeout here.
    /// </summary>
    private static async Task AdmitAsync(ConnectionAdmission admission, TimeSpan handshakeTimeout, ConnectionContext connection, ConnectionDelegate next)
    {
        using var slot = admission.TryAdmit(connection.RemoteEndPoint);
        if (slot is null)
        {
            connection.Abort();
            return;
        }

        using (var firstByte = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            firstByte.CancelAfter(handshakeTimeout);
            try
            {
                var read = await connection.Transport.Input.ReadAsync(firstByte.Token).ConfigureAwait(false);
                // Nothing consumed or examined: the HTTP layer reads the same bytes.
                connection.Transport.Input.AdvanceTo(read.Buffer.Start);
                if (read.IsCompleted && read.Buffer.IsEmpty)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                connection.Abort();
                return;
            }
        }

        await next(connection).ConfigureAwait(false);
    }

    private static Action<string> RefusalReport(ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(DashboardServer).FullName!);
        return line => LogRefusals(logger, line);
    }

    [LoggerMessage(LogLevel.Warning, "{Refusals}")]
    private static partial void LogRefusals(ILogger logger, string refusals);

    /// <summary>Where <paramref name="app"/> listens, once started (port 0 replaced by the port taken).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
