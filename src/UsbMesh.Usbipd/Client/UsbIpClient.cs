using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd.Client;

/// <summary>
/// The OP phase of a USB/IP client, against any usbipd server (Linux usbip-host's usbipd, usbipd-win, a node's
/// usbipd-compatible endpoint): list the exported devices, or import one and keep the connection for its URBs. One
/// TCP connection per request, as the usbip tool does; the server closes a listing connection after its reply.
/// </summary>
public static class UsbIpClient
{
    /// <summary>OP_REQ_DEVLIST: the devices the server exports.</summary>
    /// <param name="server">The server (an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>).</param>
    /// <param name="settings">Caps and timeouts (defaults when null).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="UsbIpProtocolException">The server's reply is not USB/IP, or exceeds the caps.</exception>
    /// <exception cref="IOException">The connection failed or closed before the reply.</exception>
    /// <exception cref="TimeoutException">Connecting or the reply took too long.</exception>
    public static async Task<IReadOnlyList<UsbIpExportedDevice>> ListAsync(
        EndPoint server, UsbIpClientSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= UsbIpClientSettings.Default;
        var (socket, stream, reader) = await ConnectAsync(server, settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await RequestAsync<UsbIpDevListReply>(stream, reader, new UsbIpDevListRequest(), settings, cancellationToken).ConfigureAwait(false);
            if (reply.Status != UsbipdStatus.Ok)
            {
                throw new IOException($"the server refused the device list: {UsbIpImportRefusedException.Describe(reply.Status)}");
            }

            return reply.Devices;
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
        }
    }

    /// <summary>
    /// OP_REQ_IMPORT of <paramref name="busId"/>: on ST_OK the connection enters the URB phase and is handed over.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="busId">The device's bus id on the server (at most 31 characters).</param>
    /// <param name="settings">Caps and timeouts (defaults when null).</param>
    /// <param name="cancellationToken">Cancels the import.</param>
    /// <exception cref="UsbIpImportRefusedException">The server answered with a status other than ST_OK.</exception>
    /// <exception cref="UsbIpProtocolException">The server's reply is not USB/IP.</exception>
    /// <exception cref="IOException">The connection failed or closed before the reply.</exception>
    /// <exception cref="TimeoutException">Connecting or the reply took too long.</exception>
    public static async Task<UsbIpClientConnection> ImportAsync(
        EndPoint server, string busId, UsbIpClientSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(busId);
        settings ??= UsbIpClientSettings.Default;
        var (socket, stream, reader) = await ConnectAsync(server, settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await RequestAsync<UsbIpImportReply>(stream, reader, new UsbIpImportRequest(busId), settings, cancellationToken).ConfigureAwait(false);
            if (reply.Status != UsbipdStatus.Ok || reply.Device is null)
            {
                throw new UsbIpImportRefusedException(busId, reply.Status);
            }

            if (reply.Device.BusId.Length > 0 && reply.Device.BusId != busId)
            {
                throw new UsbIpProtocolException(UsbIpErrorReason.UnexpectedCommand,
                    $"OP_REP_IMPORT names device {reply.Device.BusId}, not the {busId} asked for");
            }

            return new UsbIpClientConnection(socket, stream, reader, reply.Device, settings.Limits);
        }
        catch
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }

    private static async Task<(Socket Socket, NetworkStream Stream, PipeReader Reader)> ConnectAsync(
        EndPoint server, UsbIpClientSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting to {server} took longer than {settings.ConnectTimeout.TotalSeconds:0.#} s");
            }
            catch (SocketException e)
            {
                throw new IOException($"cannot connect to {server}: {e.Message}", e);
            }

            var stream = new NetworkStream(socket, ownsSocket: true);
            return (socket, stream, PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024)));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one OP request and reads its reply, leaving any bytes after the reply in the reader.</summary>
    private static async Task<T> RequestAsync<T>(
        NetworkStream stream, PipeReader reader, UsbIpOpMessage request, UsbIpClientSettings settings, CancellationToken cancellationToken)
        where T : UsbIpOpMessage
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ReplyTimeout);
        try
        {
            var bytes = new ArrayBufferWriter<byte>();
            UsbIpWriter.Write(request, bytes);
            await stream.WriteAsync(bytes.WrittenMemory, timeout.Token).ConfigureAwait(false);

            var parser = new UsbIpOpParser(UsbIpRole.Client, settings.Limits);
            var message = await UsbIpPipeReads.ReadOneAsync<UsbIpOpMessage>(reader, parser.TryParse, timeout.Token).ConfigureAwait(false);
            return message as T ?? throw new UsbIpProtocolException(UsbIpErrorReason.UnexpectedCommand,
                $"the server answered {request.GetType().Name} with {message.GetType().Name}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply to {request.GetType().Name} within {settings.ReplyTimeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
    }
}
