using UsbMesh.Gadgets.MassStorage;

namespace UsbMesh.Gadgets.Tests.MassStorage;

public class ScsiBlockDeviceTests
{
    private static readonly byte[] TestUnitReady = [0x00, 0, 0, 0, 0, 0];
    private static readonly byte[] RequestSense = [0x03, 0, 0, 0, 18, 0];

    [Fact]
    public void Standard_inquiry_is_the_36_byte_layout_of_a_removable_direct_access_device()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, data) = Scsi.Run(device, [0x12, 0x00, 0x00, 0x00, 0x24, 0x00]);

        Assert.Equal(ScsiStatus.Good, status);
        var expected = Scsi.Hex(
            "00 80 06 02 1F 00 00 00" +                         // direct access, RMB, SPC-4, format 2, 31 more bytes
            "55 73 62 4D 65 73 68 20" +                         // vendor   "UsbMesh "
            "56 69 72 74 75 61 6C 20 44 69 73 6B 20 20 20 20" + // product  "Virtual Disk    "
            "31 2E 30 20");                                     // revision "1.0 "
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Inquiry_is_cut_to_the_allocation_length()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, data) = Scsi.Run(device, [0x12, 0x00, 0x00, 0x00, 0x05, 0x00]);

        Assert.Equal(ScsiStatus.Good, status);
        Assert.Equal(Scsi.Hex("00 80 06 02 1F"), data);
    }

    [Fact]
    public void Inquiry_vpd_pages_list_serial_and_device_identification()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16), ScsiIdentity.Default with { Serial = "ABC123" });

        var (_, supported) = Scsi.Run(device, [0x12, 0x01, 0x00, 0x00, 0xFF, 0x00]);
        var (_, serial) = Scsi.Run(device, [0x12, 0x01, 0x80, 0x00, 0xFF, 0x00]);
        var (_, identification) = Scsi.Run(device, [0x12, 0x01, 0x83, 0x00, 0xFF, 0x00]);

        Assert.Equal(Scsi.Hex("00 00 00 03 00 80 83"), supported);           // pages 0x00, 0x80, 0x83
        Assert.Equal(Scsi.Hex("00 80 00 06 41 42 43 31 32 33"), serial);       // "ABC123"
        Assert.Equal(
            Scsi.Hex(
                "00 83 00 22" +                                              // page 0x83, 34 bytes follow
                "02 01 00 1E" +                                              // ASCII, T10 vendor ID, 30 bytes
                "55 73 62 4D 65 73 68 20" +                                  // "UsbMesh "
                "56 69 72 74 75 61 6C 20 44 69 73 6B 20 20 20 20" +          // "Virtual Disk    "
                "41 42 43 31 32 33"),                                        // "ABC123"
            identification);
    }

    [Theory]
    [InlineData(0x01, 0xB0)]   // unsupported VPD page
    [InlineData(0x00, 0x80)]   // page code without EVPD
    [InlineData(0x02, 0x00)]   // CMDDT
    public void Inquiry_with_an_invalid_field_fails_with_invalid_field_in_cdb(byte flags, byte page)
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, data) = Scsi.Run(device, [0x12, flags, page, 0x00, 0xFF, 0x00]);

        Assert.Equal(ScsiStatus.CheckCondition, status);
        Assert.Empty(data);
        Assert.Equal(ScsiSense.InvalidFieldInCdb, device.Sense);
    }

    [Fact]
    public void Test_unit_ready_passes_on_a_loaded_medium()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, TestUnitReady).Status);
        Assert.Equal(ScsiSense.NoSense, device.Sense);
    }

    [Theory]
    [InlineData(0xFF)]
    [InlineData(0x15)]   // MODE SELECT(6)
    [InlineData(0x04)]   // FORMAT UNIT
    public void Unknown_opcode_fails_and_request_sense_reports_invalid_command_operation_code(byte opcode)
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, _) = Scsi.Run(device, [opcode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var (senseStatus, sense) = Scsi.Run(device, RequestSense);

        Assert.Equal(ScsiStatus.CheckCondition, status);
        Assert.Equal(ScsiStatus.Good, senseStatus);
        Assert.Equal(
            Scsi.Hex(
                "70 00 05 00 00 00 00 0A" +  // current error, fixed format; ILLEGAL REQUEST; 10 more bytes
                "00 00 00 00 20 00 00 00" +  // ASC 0x20 INVALID COMMAND OPERATION CODE, ASCQ 0
                "00 00"),
            sense);
    }

    [Fact]
    public void Request_sense_clears_the_sense_and_a_passing_command_starts_afresh()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));
        Scsi.Run(device, [0xFF, 0, 0, 0, 0, 0]);

        Scsi.Run(device, RequestSense);
        var (_, second) = Scsi.Run(device, RequestSense);
        Scsi.Run(device, [0xFF, 0, 0, 0, 0, 0]);
        Scsi.Run(device, TestUnitReady);

        Assert.Equal(0x00, second[2]);
        Assert.Equal(0x00, second[12]);
        Assert.Equal(ScsiSense.NoSense, device.Sense);
    }

    [Fact]
    public void Read_capacity_10_and_16_report_last_lba_131071_for_a_64_mib_image()
    {
        var device = new ScsiBlockDevice(new SizeOnlyStore(131072));

        var (status10, capacity10) = Scsi.Run(device, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var (status16, capacity16) = Scsi.Run(device, [0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0]);

        Assert.Equal(ScsiStatus.Good, status10);
        Assert.Equal(Scsi.Hex("00 01 FF FF 00 00 02 00"), capacity10);  // last LBA 131071, 512-byte blocks
        Assert.Equal(ScsiStatus.Good, status16);
        Assert.Equal(
            Scsi.Hex("00 00 00 00 00 01 FF FF 00 00 02 00" + new string('0', 40)),  // 64-bit last LBA, block length
            capacity16);
    }

    [Fact]
    public void Read_capacity_10_saturates_beyond_32_bits_and_16_gives_the_real_value()
    {
        var device = new ScsiBlockDevice(new SizeOnlyStore(0x1_0000_0001));

        var (_, capacity10) = Scsi.Run(device, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var (_, capacity16) = Scsi.Run(device, [0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0C, 0, 0]);

        Assert.Equal(Scsi.Hex("FF FF FF FF 00 00 02 00"), capacity10);
        Assert.Equal(Scsi.Hex("00 00 00 01 00 00 00 00 00 00 02 00"), capacity16);
    }

    [Fact]
    public void Service_action_in_with_another_service_action_is_an_invalid_field()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, [0x9E, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0]).Status);
        Assert.Equal(ScsiSense.InvalidFieldInCdb, device.Sense);
    }

    [Fact]
    public void Read_10_16_and_6_return_the_addressed_blocks()
    {
        var store = new MemoryBlockStore(64);
        Scsi.Pattern(64 * 512, 7).CopyTo(store.Data, 0);
        var device = new ScsiBlockDevice(store);

        var (s10, d10) = Scsi.Run(device, Scsi.Read10(3, 2));
        var (s16, d16) = Scsi.Run(device, Scsi.Read16(63, 1));
        var (s6, d6) = Scsi.Run(device, [0x08, 0x00, 0x00, 0x05, 0x01, 0x00]);

        Assert.Equal((ScsiStatus.Good, ScsiStatus.Good, ScsiStatus.Good), (s10, s16, s6));
        Assert.Equal(store.Data.AsSpan(3 * 512, 1024).ToArray(), d10);
        Assert.Equal(store.Data.AsSpan(63 * 512, 512).ToArray(), d16);
        Assert.Equal(store.Data.AsSpan(5 * 512, 512).ToArray(), d6);
    }

    [Fact]
    public void Write_10_and_16_store_the_blocks()
    {
        var store = new MemoryBlockStore(64);
        var device = new ScsiBlockDevice(store);
        var first = Scsi.Pattern(1024, 1);
        var second = Scsi.Pattern(512, 2);

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, Scsi.Write10(10, 2), first).Status);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, Scsi.Write16(63, 1), second).Status);

        Assert.Equal(first, store.Data.AsSpan(10 * 512, 1024).ToArray());
        Assert.Equal(second, store.Data.AsSpan(63 * 512, 512).ToArray());
    }

    [Fact]
    public void Zero_block_transfers_have_no_data_phase()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiDataPhase.None, device.Begin(Scsi.Read10(0, 0)));
        Assert.Equal(ScsiStatus.Good, device.Complete());
    }

    [Theory]
    [InlineData(63u, 2)]       // runs past the end
    [InlineData(64u, 1)]       // first LBA beyond the end
    [InlineData(0xFFFFFFFFu, 1)]
    public void Transfers_beyond_the_medium_fail_with_lba_out_of_range(uint lba, int blocks)
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(64));

        var read = Scsi.Run(device, Scsi.Read10(lba, (ushort)blocks)).Status;
        var readSense = device.Sense;
        var write = device.Begin(Scsi.Write16(lba, (uint)blocks));
        var writeStatus = device.Complete();

        Assert.Equal(ScsiStatus.CheckCondition, read);
        Assert.Equal(new ScsiSense(0x05, 0x21, 0x00), readSense);
        Assert.Equal(ScsiDataPhase.None, write);
        Assert.Equal(ScsiStatus.CheckCondition, writeStatus);
        Assert.Equal(ScsiSense.LbaOutOfRange, device.Sense);
    }

    [Fact]
    public void Read_16_with_an_lba_that_overflows_fails_with_lba_out_of_range()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(64));

        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, Scsi.Read16(ulong.MaxValue, 2)).Status);
        Assert.Equal(ScsiSense.LbaOutOfRange, device.Sense);
    }

    [Fact]
    public void Write_to_read_only_medium_fails_with_data_protect()
    {
        var store = new MemoryBlockStore(16, readOnly: true);
        var device = new ScsiBlockDevice(store);

        var phase = device.Begin(Scsi.Write10(0, 1));
        var status = device.Complete();
        var (_, sense) = Scsi.Run(device, RequestSense);

        Assert.Equal(ScsiDataPhase.None, phase);
        Assert.Equal(ScsiStatus.CheckCondition, status);
        Assert.Equal(Scsi.Hex("70 00 07 00 00 00 00 0A 00 00 00 00 27 00 00 00 00 00"), sense);   // DATA PROTECT / WRITE PROTECTED
    }

    [Fact]
    public void Read_failure_is_a_medium_error_with_the_data_phase_zero_filled()
    {
        var store = new MemoryBlockStore(16) { FailReads = true };
        store.Data.AsSpan().Fill(0xAA);
        var device = new ScsiBlockDevice(store);

        var (status, data) = Scsi.Run(device, Scsi.Read10(0, 1));

        Assert.Equal(ScsiStatus.CheckCondition, status);
        Assert.All(data, b => Assert.Equal(0, b));
        Assert.Equal(new ScsiSense(0x03, 0x11, 0x00), device.Sense);
    }

    [Fact]
    public void Write_failure_is_a_medium_error()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16) { FailWrites = true });

        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, Scsi.Write10(0, 1), new byte[512]).Status);
        Assert.Equal(new ScsiSense(0x03, 0x0C, 0x00), device.Sense);
    }

    [Fact]
    public void Mode_sense_6_all_pages_answers_the_caching_page_without_write_protect()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, data) = Scsi.Run(device, [0x1A, 0x00, 0x3F, 0x00, 0xC0, 0x00]);

        Assert.Equal(ScsiStatus.Good, status);
        Assert.Equal(
            Scsi.Hex(
                "17 00 00 00" +                  // 23 more bytes, medium type 0, WP clear, no block descriptors
                "08 12 04 00 00 00 00 00 00 00" + // caching page, 18 bytes, WCE
                "00 00 00 00 00 00 00 00 00 00"),
            data);
    }

    [Fact]
    public void Mode_sense_sets_write_protect_for_read_only_media()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16, readOnly: true));

        var (_, six) = Scsi.Run(device, [0x1A, 0x00, 0x3F, 0x00, 0x04, 0x00]);
        var (_, ten) = Scsi.Run(device, [0x5A, 0x00, 0x08, 0x00, 0, 0, 0, 0x00, 0xFF, 0x00]);

        Assert.Equal(Scsi.Hex("17 00 80 00"), six);
        Assert.Equal(28, ten.Length);
        Assert.Equal(Scsi.Hex("00 1A 00 80 00 00 00 00 08 12 04 00"), ten[..12]);   // 26 more bytes, WP, no block descriptors
    }

    [Fact]
    public void Mode_sense_changeable_values_are_zero()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (_, data) = Scsi.Run(device, [0x1A, 0x00, 0x48, 0x00, 0xFF, 0x00]);   // PC = 1, page 0x08

        Assert.Equal(Scsi.Hex("08 12 00 00"), data[4..8]);
    }

    [Theory]
    [InlineData(0xC8, 0x00, 0x05, 0x39)]   // saved values
    [InlineData(0x1C, 0x00, 0x05, 0x24)]   // informational exceptions page: not supported
    [InlineData(0x08, 0x01, 0x05, 0x24)]   // subpage
    public void Mode_sense_refuses_what_it_does_not_have(byte page, byte subpage, byte key, byte asc)
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, [0x1A, 0x00, page, subpage, 0xFF, 0x00]).Status);
        Assert.Equal(new ScsiSense(key, asc, 0), device.Sense);
    }

    [Fact]
    public void Synchronize_cache_10_and_16_flush_the_store()
    {
        var store = new MemoryBlockStore(16);
        var device = new ScsiBlockDevice(store);

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).Status);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, new byte[16] { 0x91, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).Status);

        Assert.Equal(2, store.Flushes);
    }

    [Fact]
    public void Eject_is_refused_while_prevented_and_then_unloads_the_medium_until_loaded()
    {
        var store = new MemoryBlockStore(16);
        var device = new ScsiBlockDevice(store);
        byte[] eject = [0x1B, 0, 0, 0, 0x02, 0];
        byte[] load = [0x1B, 0, 0, 0, 0x03, 0];

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x1E, 0, 0, 0, 0x01, 0]).Status);     // prevent
        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, eject).Status);
        Assert.Equal(new ScsiSense(0x05, 0x53, 0x02), device.Sense);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x1E, 0, 0, 0, 0x00, 0]).Status);     // allow
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, eject).Status);
        Assert.Equal(1, store.Flushes);
        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, TestUnitReady).Status);
        Assert.Equal(new ScsiSense(0x02, 0x3A, 0x00), device.Sense);
        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, Scsi.Read10(0, 1)).Status);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, load).Status);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, TestUnitReady).Status);
    }

    [Fact]
    public void Start_stop_without_load_eject_is_accepted()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x1B, 0, 0, 0, 0x00, 0]).Status);
        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, TestUnitReady).Status);
    }

    [Fact]
    public void Report_luns_lists_lun_zero()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        var (status, data) = Scsi.Run(device, [0xA0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0]);

        Assert.Equal(ScsiStatus.Good, status);
        Assert.Equal(Scsi.Hex("00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00"), data);   // list length 8, LUN 0
    }

    [Fact]
    public void Read_format_capacities_reports_one_formatted_descriptor()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(64));

        var (status, data) = Scsi.Run(device, [0x23, 0, 0, 0, 0, 0, 0, 0x00, 0xFC, 0]);

        Assert.Equal(ScsiStatus.Good, status);
        Assert.Equal(Scsi.Hex("00 00 00 08 00 00 00 40 02 00 02 00"), data);   // 64 blocks, formatted, 512 bytes
    }

    [Fact]
    public void Verify_10_checks_the_range_and_refuses_byte_compare()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(64));

        Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x2F, 0, 0, 0, 0, 0, 0, 0, 64, 0]).Status);
        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, [0x2F, 0, 0, 0, 0, 1, 0, 0, 64, 0]).Status);
        Assert.Equal(ScsiSense.LbaOutOfRange, device.Sense);
        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, [0x2F, 0x02, 0, 0, 0, 0, 0, 0, 1, 0]).Status);
        Assert.Equal(ScsiSense.InvalidFieldInCdb, device.Sense);
    }

    [Fact]
    public void A_cdb_shorter_than_its_command_is_an_invalid_field()
    {
        var device = new ScsiBlockDevice(new MemoryBlockStore(16));

        Assert.Equal(ScsiStatus.CheckCondition, Scsi.Run(device, [0x28, 0, 0, 0, 0, 0]).Status);
        Assert.Equal(ScsiSense.InvalidFieldInCdb, device.Sense);
    }

    private sealed class SizeOnlyStore(long blockCount) : IBlockStore
    {
        public int BlockSize => 512;

        public long BlockCount => blockCount;

        public bool IsReadOnly => false;

        public void Read(long byteOffset, Span<byte> destination) => destination.Clear();

        public void Write(long byteOffset, ReadOnlySpan<byte> source)
        {
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
