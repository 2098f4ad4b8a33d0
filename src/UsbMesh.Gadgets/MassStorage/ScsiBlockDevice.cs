using System.Buffers.Binary;

namespace UsbMesh.Gadgets.MassStorage;

/// <summary>Direction of a SCSI command's data phase, seen from the host.</summary>
public enum ScsiDataDirection
{
    /// <summary>No data phase.</summary>
    None,

    /// <summary>Device to host (Di).</summary>
    In,

    /// <summary>Host to device (Do).</summary>
    Out,
}

/// <summary>The data phase a command intends: direction and byte count (never a direction with zero bytes).</summary>
/// <param name="Direction">None, In or Out.</param>
/// <param name="Length">Bytes the device intends to send or receive; 0 exactly when <paramref name="Direction"/> is None.</param>
public readonly record struct ScsiDataPhase(ScsiDataDirection Direction, long Length)
{
    /// <summary>No data phase.</summary>
    public static ScsiDataPhase None { get; } = new(ScsiDataDirection.None, 0);
}

/// <summary>
/// A direct-access block device (SBC-3 subset, one LUN) executing CDBs against an <see cref="IBlockStore"/>.
/// A command runs in three steps so the transport can stream its data phase in pieces of any size:
/// <see cref="Begin"/> decodes and checks it and says what data phase it intends, <see cref="ReadIn"/> or
/// <see cref="WriteOut"/> move the data (reads and writes go straight to the store, nothing is staged beyond one
/// small response buffer), and <see cref="Complete"/> returns the status (sense data for REQUEST SENSE is kept).
/// <see cref="Abort"/> drops a command the transport will not finish (phase errors, resets). Not thread-safe: one
/// transport drives it.
/// </summary>
public sealed class ScsiBlockDevice
{
    private const int ResponseCapacity = 96;
    private const byte CachingPage = 0x08;
    private const byte AllPages = 0x3F;
    private const int CachingPageLength = 20;

    private readonly IBlockStore _store;
    private readonly ScsiIdentity _identity;
    private readonly byte[] _response = new byte[ResponseCapacity];

    private CommandKind _kind;
    private long _byteOffset;      // store offset of the data phase (reads, writes)
    private long _length;          // bytes the device intends to move
    private long _position;        // bytes moved so far
    private ScsiSense _sense = ScsiSense.NoSense;
    private ScsiSense? _failure;   // set when the running command fails
    private bool _flushOnComplete;
    private bool _ejected;
    private bool _removalPrevented;

    /// <summary>Creates the device over <paramref name="store"/>.</summary>
    /// <param name="store">The medium.</param>
    /// <param name="identity">INQUIRY strings; <see cref="ScsiIdentity.Default"/> when null.</param>
    public ScsiBlockDevice(IBlockStore store, ScsiIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _identity = identity ?? ScsiIdentity.Default;
    }

    private enum CommandKind
    {
        Idle,
        Buffered,
        Read,
        Write,
    }

    /// <summary>Sense data REQUEST SENSE would return now.</summary>
    public ScsiSense Sense => _sense;

    /// <summary>True after START STOP UNIT ejected the medium (until it is loaded again).</summary>
    public bool IsEjected => _ejected;

    /// <summary>True while PREVENT ALLOW MEDIUM REMOVAL prevents removal.</summary>
    public bool IsRemovalPrevented => _removalPrevented;

    /// <summary>
    /// Starts the command in <paramref name="cdb"/> and returns the data phase it intends. Commands without data
    /// (and commands that fail before their data phase) have already run when this returns.
    /// </summary>
    /// <param name="cdb">The command descriptor block (1..16 bytes; may be longer than the command needs).</param>
    public ScsiDataPhase Begin(ReadOnlySpan<byte> cdb)
    {
        Abort();
        if (cdb.IsEmpty)
        {
            return Fail(ScsiSense.InvalidOpcode);
        }

        var opcode = cdb[0];
        if (opcode != 0x03)
        {
            // REQUEST SENSE reports the previous command's sense; every other command starts afresh.
            _sense = ScsiSense.NoSense;
        }

        var needed = CdbLength(opcode);
        if (needed == 0)
        {
            return Fail(ScsiSense.InvalidOpcode);
        }

        if (cdb.Length < needed)
        {
            return Fail(ScsiSense.InvalidFieldInCdb);
        }

        return opcode switch
        {
            0x00 => MediumCheck() ?? ScsiDataPhase.None,                              // TEST UNIT READY
            0x03 => RequestSense(cdb[4]),                                             // REQUEST SENSE
            0x12 => Inquiry(cdb),                                                     // INQUIRY
            0x1A => ModeSense(cdb[2], cdb[3], cdb[4], tenByte: false),                // MODE SENSE(6)
            0x5A => ModeSense(cdb[2], cdb[3], BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]), tenByte: true),
            0x1B => StartStopUnit(cdb),                                               // START STOP UNIT
            0x1E => PreventAllow(cdb),                                                // PREVENT ALLOW MEDIUM REMOVAL
            0x23 => ReadFormatCapacities(BinaryPrimitives.ReadUInt16BigEndian(cdb[7..])),
            0x25 => ReadCapacity10(),                                                 // READ CAPACITY(10)
            0x9E => (cdb[1] & 0x1F) == 0x10                                           // SERVICE ACTION IN(16)
                ? ReadCapacity16(BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]))
                : Fail(ScsiSense.InvalidFieldInCdb),
            0x08 => Transfer(Read6Lba(cdb), cdb[4] == 0 ? 256u : cdb[4], write: false),  // READ(6)
            0x0A => Transfer(Read6Lba(cdb), cdb[4] == 0 ? 256u : cdb[4], write: true),   // WRITE(6)
            0x28 => Transfer(BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]), write: false),
            0x2A => Transfer(BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]), write: true),
            0x88 => Transfer(BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]), write: false),
            0x8A => Transfer(BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]), write: true),
            0x2F => Verify10(cdb),                                                    // VERIFY(10)
            0x35 or 0x91 => SynchronizeCache(),                                       // SYNCHRONIZE CACHE(10)/(16)
            0xA0 => ReportLuns(BinaryPrimitives.ReadUInt32BigEndian(cdb[6..])),       // REPORT LUNS
            _ => Fail(ScsiSense.InvalidOpcode),
        };
    }

    /// <summary>Copies the next data-in bytes into <paramref name="destination"/>; returns how many (0 when none remain).</summary>
    /// <param name="destination">Where the bytes go (a URB buffer).</param>
    public int ReadIn(Span<byte> destination)
    {
        var count = (int)Math.Min(destination.Length, _length - _position);
        if (count <= 0)
        {
            return 0;
        }

        var chunk = destination[..count];
        if (_kind == CommandKind.Buffered)
        {
            _response.AsSpan((int)_position, count).CopyTo(chunk);
        }
        else if (_kind == CommandKind.Read)
        {
            if (_failure is null)
            {
                try
                {
                    _store.Read(_byteOffset + _position, chunk);
                }
                catch (IOException)
                {
                    _failure = ScsiSense.UnrecoveredReadError;
                    chunk.Clear();
                }
            }
            else
            {
                chunk.Clear();
            }
        }
        else
        {
            return 0;
        }

        _position += count;
        return count;
    }

    /// <summary>Consumes data-out bytes from <paramref name="source"/>; returns how many were taken (at most what the command wants).</summary>
    /// <param name="source">Bytes the host sent (a URB buffer).</param>
    public int WriteOut(ReadOnlySpan<byte> source)
    {
        if (_kind != CommandKind.Write)
        {
            return 0;
        }

        var count = (int)Math.Min(source.Length, _length - _position);
        if (count <= 0)
        {
            return 0;
        }

        if (_failure is null)
        {
            try
            {
                _store.Write(_byteOffset + _position, source[..count]);
            }
            catch (IOException)
            {
                _failure = ScsiSense.WriteError;
            }
        }

        _position += count;
        return count;
    }

    /// <summary>Ends the running command and returns its status; on CHECK CONDITION the sense data says why.</summary>
    public ScsiStatus Complete()
    {
        if (_failure is null && _kind == CommandKind.Write && _position < _length)
        {
            // The transport ended the data phase early: the blocks were not all written.
            _failure = ScsiSense.WriteError;
        }

        if (_failure is null && _flushOnComplete)
        {
            _failure = TryFlush();
        }

        var failure = _failure;
        Abort();
        if (failure is { } sense)
        {
            _sense = sense;
            return ScsiStatus.CheckCondition;
        }

        return ScsiStatus.Good;
    }

    /// <summary>Drops the running command without a status (phase error, reset).</summary>
    public void Abort()
    {
        _kind = CommandKind.Idle;
        _byteOffset = 0;
        _length = 0;
        _position = 0;
        _failure = null;
        _flushOnComplete = false;
    }

    private static int CdbLength(byte opcode) => opcode switch
    {
        0x00 or 0x03 or 0x08 or 0x0A or 0x12 or 0x1A or 0x1B or 0x1E => 6,
        0x23 or 0x25 or 0x28 or 0x2A or 0x2F or 0x35 or 0x5A => 10,
        0xA0 => 12,
        0x88 or 0x8A or 0x91 or 0x9E => 16,
        _ => 0,
    };

    private static uint Read6Lba(ReadOnlySpan<byte> cdb) => (uint)(((cdb[1] & 0x1F) << 16) | (cdb[2] << 8) | cdb[3]);

    private ScsiDataPhase Fail(ScsiSense sense)
    {
        Abort();
        _failure = sense;
        return ScsiDataPhase.None;
    }

    private ScsiDataPhase? MediumCheck() => _ejected ? Fail(ScsiSense.MediumNotPresent) : null;

    private ScsiDataPhase Respond(int length, long allocationLength)
    {
        _kind = CommandKind.Buffered;
        _length = Math.Min(length, allocationLength);
        _position = 0;
        return _length == 0 ? ScsiDataPhase.None : new ScsiDataPhase(ScsiDataDirection.In, _length);
    }

    private ScsiDataPhase RequestSense(byte allocationLength)
    {
        _sense.WriteFixedFormat(_response);
        _sense = ScsiSense.NoSense;
        return Respond(ScsiSense.FixedFormatLength, allocationLength);
    }

    private ScsiDataPhase Inquiry(ReadOnlySpan<byte> cdb)
    {
        var evpd = (cdb[1] & 0x01) != 0;
        var page = cdb[2];
        var allocationLength = BinaryPrimitives.ReadUInt16BigEndian(cdb[3..]);
        if ((cdb[1] & 0x02) != 0 || (!evpd && page != 0))
        {
            return Fail(ScsiSense.InvalidFieldInCdb);    // CMDDT (obsolete) or a page without EVPD
        }

        var r = _response.AsSpan();
        r.Clear();
        if (!evpd)
        {
            // Standard INQUIRY data (SPC-4 6.4.2), 36 bytes.
            r[0] = 0x00;         // peripheral qualifier 0, device type 0 (direct access block device)
            r[1] = 0x80;         // RMB: removable medium
            r[2] = 0x06;         // version: SPC-4
            r[3] = 0x02;         // response data format 2
            r[4] = 36 - 5;       // additional length
            ScsiIdentity.WriteAscii(_identity.Vendor, r.Slice(8, 8));
            ScsiIdentity.WriteAscii(_identity.Product, r.Slice(16, 16));
            ScsiIdentity.WriteAscii(_identity.Revision, r.Slice(32, 4));
            return Respond(36, allocationLength);
        }

        var serialLength = Math.Min(_identity.Serial.Length, 32);
        switch (page)
        {
            case 0x00:           // supported VPD pages
                r[1] = 0x00;
                r[3] = 3;
                r[4] = 0x00;
                r[5] = 0x80;
                r[6] = 0x83;
                return Respond(7, allocationLength);
            case 0x80:           // unit serial number
                r[1] = 0x80;
                r[3] = (byte)serialLength;
                ScsiIdentity.WriteAscii(_identity.Serial, r.Slice(4, serialLength));
                return Respond(4 + serialLength, allocationLength);
            case 0x83:           // device identification: one T10 vendor ID based designator
                var designatorLength = 8 + 16 + serialLength;
                r[1] = 0x83;
                BinaryPrimitives.WriteUInt16BigEndian(r[2..], (ushort)(4 + designatorLength));
                r[4] = 0x02;     // protocol identifier 0, code set 2 (ASCII)
                r[5] = 0x01;     // PIV 0, association 0 (logical unit), designator type 1 (T10 vendor ID)
                r[7] = (byte)designatorLength;
                ScsiIdentity.WriteAscii(_identity.Vendor, r.Slice(8, 8));
                ScsiIdentity.WriteAscii(_identity.Product, r.Slice(16, 16));
                ScsiIdentity.WriteAscii(_identity.Serial, r.Slice(32, serialLength));
                return Respond(8 + designatorLength, allocationLength);
            default:
                return Fail(ScsiSense.InvalidFieldInCdb);
        }
    }

    private ScsiDataPhase ModeSense(byte pageControlAndCode, byte subpage, int allocationLength, bool tenByte)
    {
        var pageControl = pageControlAndCode >> 6;
        var page = pageControlAndCode & 0x3F;
        if (pageControl == 3)
        {
            return Fail(ScsiSense.SavingParametersNotSupported);
        }

        if ((page != CachingPage && page != AllPages) || (subpage != 0 && !(page == AllPages && subpage == 0xFF)))
        {
            return Fail(ScsiSense.InvalidFieldInCdb);
        }

        var r = _response.AsSpan();
        r.Clear();
        var header = tenByte ? 8 : 4;
        var total = header + CachingPageLength;

        // Header: no block descriptors; device-specific parameter bit 7 = WP for read-only media.
        var deviceSpecific = (byte)(_store.IsReadOnly ? 0x80 : 0x00);
        if (tenByte)
        {
            BinaryPrimitives.WriteUInt16BigEndian(r, (ushort)(total - 2));
            r[3] = deviceSpecific;
        }
        else
        {
            r[0] = (byte)(total - 1);
            r[2] = deviceSpecific;
        }

        // Caching mode page (SBC-3 6.4.5). Writes land in the host OS page cache, which is a volatile write cache:
        // WCE = 1 makes the host send SYNCHRONIZE CACHE, which this device turns into a durable flush.
        var caching = r.Slice(header, CachingPageLength);
        caching[0] = CachingPage;
        caching[1] = CachingPageLength - 2;
        if (pageControl != 1)
        {
            caching[2] = 0x04;   // WCE; RCD = 0 (read cache enabled). Changeable values (PC = 1) are all zero.
        }

        return Respond(total, allocationLength);
    }

    private ScsiDataPhase StartStopUnit(ReadOnlySpan<byte> cdb)
    {
        var loadEject = (cdb[4] & 0x02) != 0;
        var start = (cdb[4] & 0x01) != 0;
        var powerCondition = cdb[4] >> 4;
        if (!loadEject || powerCondition != 0)
        {
            return ScsiDataPhase.None;       // spin up / down and power conditions: nothing to do
        }

        if (start)
        {
            _ejected = false;
            return ScsiDataPhase.None;
        }

        if (_removalPrevented)
        {
            return Fail(ScsiSense.MediumRemovalPrevented);
        }

        if (TryFlush() is { } failure)
        {
            return Fail(failure);
        }

        _ejected = true;
        return ScsiDataPhase.None;
    }

    private ScsiDataPhase PreventAllow(ReadOnlySpan<byte> cdb)
    {
        _removalPrevented = (cdb[4] & 0x03) != 0;
        return ScsiDataPhase.None;
    }

    private ScsiDataPhase ReadFormatCapacities(int allocationLength)
    {
        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        // MMC / UFI capacity list: header (list length 8), one current/maximum capacity descriptor.
        var r = _response.AsSpan();
        r.Clear();
        r[3] = 8;
        BinaryPrimitives.WriteUInt32BigEndian(r[4..], (uint)Math.Min(_store.BlockCount, uint.MaxValue));
        r[8] = 0x02;             // descriptor type: formatted media
        r[9] = (byte)(_store.BlockSize >> 16);
        r[10] = (byte)(_store.BlockSize >> 8);
        r[11] = (byte)_store.BlockSize;
        return Respond(12, allocationLength);
    }

    private ScsiDataPhase ReadCapacity10()
    {
        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        var r = _response.AsSpan();
        r.Clear();
        var lastLba = _store.BlockCount - 1;
        BinaryPrimitives.WriteUInt32BigEndian(r, lastLba >= uint.MaxValue ? uint.MaxValue : (uint)lastLba);
        BinaryPrimitives.WriteUInt32BigEndian(r[4..], (uint)_store.BlockSize);
        return Respond(8, 8);
    }

    private ScsiDataPhase ReadCapacity16(uint allocationLength)
    {
        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        var r = _response.AsSpan();
        r.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(r, (ulong)(_store.BlockCount - 1));
        BinaryPrimitives.WriteUInt32BigEndian(r[8..], (uint)_store.BlockSize);
        return Respond(32, allocationLength);
    }

    private ScsiDataPhase Transfer(ulong lba, uint blocks, bool write)
    {
        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        if (lba > (ulong)_store.BlockCount || blocks > (ulong)_store.BlockCount - lba)
        {
            return Fail(ScsiSense.LbaOutOfRange);
        }

        if (write && _store.IsReadOnly)
        {
            return Fail(ScsiSense.WriteProtected);
        }

        if (blocks == 0)
        {
            return ScsiDataPhase.None;
        }

        _kind = write ? CommandKind.Write : CommandKind.Read;
        _byteOffset = (long)lba * _store.BlockSize;
        _length = (long)blocks * _store.BlockSize;
        _position = 0;
        return new ScsiDataPhase(write ? ScsiDataDirection.Out : ScsiDataDirection.In, _length);
    }

    private ScsiDataPhase Verify10(ReadOnlySpan<byte> cdb)
    {
        if ((cdb[1] & 0x06) != 0)
        {
            return Fail(ScsiSense.InvalidFieldInCdb);   // BYTCHK: comparing host data is not supported
        }

        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        ulong lba = BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]);
        ulong blocks = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
        return lba > (ulong)_store.BlockCount || blocks > (ulong)_store.BlockCount - lba
            ? Fail(ScsiSense.LbaOutOfRange)
            : ScsiDataPhase.None;
    }

    private ScsiDataPhase SynchronizeCache()
    {
        if (MediumCheck() is { } notReady)
        {
            return notReady;
        }

        _flushOnComplete = true;
        return ScsiDataPhase.None;
    }

    private ScsiDataPhase ReportLuns(uint allocationLength)
    {
        var r = _response.AsSpan();
        r.Clear();
        r[3] = 8;                // LUN list length: one 8-byte entry, LUN 0 (all zero)
        return Respond(16, allocationLength);
    }

    private ScsiSense? TryFlush()
    {
        try
        {
            _store.Flush();
            return null;
        }
        catch (IOException)
        {
            return ScsiSense.WriteError;
        }
    }
}
