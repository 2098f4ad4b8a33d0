using System.Buffers.Binary;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote.Wire;

/// <summary>
/// Cuts a lane's bytes into length-prefixed frames. The length is checked against the limit before the frame is
/// buffered, so a peer cannot make this node allocate more than the limit; reads go through one buffer that only
/// grows for a frame larger than it.
/// </summary>
internal sealed class LaneFrameReader(ILane lane, int maxFrameBody)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next frame's body (valid until the next call), or null at the end of the lane.</summary>
    /// <exception cref="RemoteProtocolException">A frame over the limit, or a lane that ended inside a frame.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(RemoteFrameCodec.LengthPrefix, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start));
        if (length > (uint)maxFrameBody)
        {
            throw new RemoteProtocolException($"a frame of {length} bytes exceeds the limit of {maxFrameBody} (usbmesh.remote.maximum-message-size)");
        }

        var total = RemoteFrameCodec.LengthPrefix + (int)length;
        if (!await FillAsync(total, cancellationToken).ConfigureAwait(false))
        {
            throw new RemoteProtocolException("the connection ended inside a frame");
        }

        var body = new ReadOnlyMemory<byte>(_buffer, _start + RemoteFrameCodec.LengthPrefix, (int)length);
        _start += total;
        return body;
    }

    /// <summary>Reads until <paramref name="count"/> bytes are buffered; false when the lane ends first with nothing buffered.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            MakeRoom(count);
            var read = await lane.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return false;
                }

                throw new RemoteProtocolException("the connection ended inside a frame");
            }

            _end += read;
        }

        return true;
    }

    private void MakeRoom(int count)
    {
        if (_start + count <= _buffer.Length && _end < _buffer.Length)
        {
            return;
        }

        var buffered = _end - _start;
        var target = count > _buffer.Length ? new byte[count] : _buffer;
        Buffer.BlockCopy(_buffer, _start, target, 0, buffered);
        _buffer = target;
        _start = 0;
        _end = buffered;
    }
}

/// <summary>A peer broke the remoting protocol; its connection is closed.</summary>
internal sealed class RemoteProtocolException(string message) : Exception(message);
