using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Tests.MassStorage;

public class BulkOnlyTransportTests
{
    private static readonly byte[] TestUnitReady = [0x00, 0, 0, 0, 0, 0];
    private static readonly byte[] Inquiry36 = [0x12, 0, 0, 0, 36, 0];

    private readonly MemoryBlockStore _store = new(64);
    private readonly BulkOnlyTransport _transport;

    public BulkOnlyTransportTests()
    {
        Scsi.Pattern(64 * 512, 3).CopyTo(_store.Data, 0);
        _transport = new BulkOnlyTransport(new ScsiBlockDevice(_store));
    }

    [Fact]
    public void Cbw_bytes_parse_into_their_fields()
    {
        var bytes = Scsi.Hex(
            "55 53 42 43" +               // dCBWSignature "USBC"
            "78 56 34 12" +               // dCBWTag 0x12345678
            "24 00 00 00" +               // dCBWDataTransferLength 36
            "80 00 06" +                  // bmCBWFlags IN, LUN 0, CB length 6
            "12 00 00 00 24 00 00 00 00 00 00 00 00 00 00 00");   // INQUIRY, allocation length 36

        Assert.True(CommandBlockWrapper.TryParse(bytes, out var cbw));
        Assert.Equal(new CommandBlockWrapper(0x12345678, 36, 0x80, 0, 6), cbw);
        Assert.True(cbw.IsDataIn);
        Assert.Equal(Inquiry36, cbw.CommandBlock(bytes).ToArray());
        Assert.Equal(bytes, Cbw(0x12345678, 36, dataIn: true, Inquiry36));
    }

    [Fact]
    public void Case_1_no_data_command_answers_a_passed_csw()
    {
        Assert.Equal(new BulkTransferResult(BulkTransferOutcome.Completed, 31), _transport.HandleOut(Cbw(0x12345678, 0, false, TestUnitReady)));

        var csw = ReadIn(64);

        Assert.Equal(
            Scsi.Hex(
                "55 53 42 53" +   // dCSWSignature "USBS"
                "78 56 34 12" +   // dCSWTag echoes the CBW
                "00 00 00 00" +   // dCSWDataResidue 0
                "00"),            // bCSWStatus passed
            csw);
    }

    [Fact]
    public void Failed_command_answers_status_1_and_request_sense_tells_why()
    {
        _transport.HandleOut(Cbw(1, 0, false, [0xFF, 0, 0, 0, 0, 0]));
        var failed = Csw(ReadIn(13));
        _transport.HandleOut(Cbw(2, 18, true, [0x03, 0, 0, 0, 18, 0]));
        var sense = ReadIn(18);
        var passed = Csw(ReadIn(13));

        Assert.Equal(new CommandStatusWrapper(1, 0, CommandStatus.Failed), failed);
        Assert.Equal(0x05, sense[2]);
        Assert.Equal(0x20, sense[12]);
        Assert.Equal(new CommandStatusWrapper(2, 0, CommandStatus.Passed), passed);
    }

    [Fact]
    public void Case_6_hi_equals_di_sends_the_data_then_a_zero_residue()
    {
        _transport.HandleOut(Cbw(7, 36, true, Inquiry36));

        var data = ReadIn(36);
        var csw = Csw(ReadIn(13));

        Assert.Equal(36, data.Length);
        Assert.Equal((byte)0x80, data[1]);
        Assert.Equal(new CommandStatusWrapper(7, 0, CommandStatus.Passed), csw);
    }

    [Fact]
    public void Case_5_hi_greater_than_di_sends_short_data_stalls_bulk_in_and_reports_the_residue()
    {
        _transport.HandleOut(Cbw(8, 64, true, [0x12, 0, 0, 0, 64, 0]));   // INQUIRY answers only 36

        var data = ReadIn(64);
        var stalled = _transport.ProduceIn(new byte[13]);
        var cleared = _transport.ClearHalt(bulkIn: true);
        var csw = Csw(ReadIn(13));

        Assert.Equal(36, data.Length);
        Assert.Equal(BulkTransferResult.Stall, stalled);
        Assert.True(cleared);
        Assert.Equal(new CommandStatusWrapper(8, 28, CommandStatus.Passed), csw);   // 64 - 36
    }

    [Fact]
    public void Case_4_hi_greater_than_dn_stalls_bulk_in_and_reports_the_whole_length_as_residue()
    {
        _transport.HandleOut(Cbw(9, 512, true, TestUnitReady));

        Assert.Equal(BulkTransferResult.Stall, _transport.ProduceIn(new byte[512]));
        Assert.True(_transport.IsBulkInHalted);
        _transport.ClearHalt(bulkIn: true);
        Assert.Equal(new CommandStatusWrapper(9, 512, CommandStatus.Passed), Csw(ReadIn(13)));
    }

    [Fact]
    public void Read_out_of_range_stalls_the_data_phase_and_fails_with_the_full_residue()
    {
        _transport.HandleOut(Cbw(10, 512, true, Scsi.Read10(64, 1)));

        Assert.Equal(BulkTransferResult.Stall, _transport.ProduceIn(new byte[512]));
        _transport.ClearHalt(bulkIn: true);
        Assert.Equal(new CommandStatusWrapper(10, 512, CommandStatus.Failed), Csw(ReadIn(13)));
    }

    [Fact]
    public void Case_7_hi_less_than_di_sends_hi_bytes_then_a_phase_error()
    {
        _transport.HandleOut(Cbw(11, 512, true, Scsi.Read10(0, 2)));

        var data = ReadIn(512);
        var csw = Csw(ReadIn(13));

        Assert.Equal(_store.Data.AsSpan(0, 512).ToArray(), data);
        Assert.Equal(new CommandStatusWrapper(11, 0, CommandStatus.PhaseError), csw);
    }

    [Fact]
    public void Cases_2_and_3_hn_less_than_di_or_do_answer_a_phase_error_and_run_nothing()
    {
        var before = _store.Data.ToArray();

        _transport.HandleOut(Cbw(12, 0, false, Scsi.Read10(0, 1)));
        var read = Csw(ReadIn(13));
        _transport.HandleOut(Cbw(13, 0, false, Scsi.Write10(0, 1)));
        var write = Csw(ReadIn(13));

        Assert.Equal(new CommandStatusWrapper(12, 0, CommandStatus.PhaseError), read);
        Assert.Equal(new CommandStatusWrapper(13, 0, CommandStatus.PhaseError), write);
        Assert.Equal(before, _store.Data);
    }

    [Fact]
    public void Case_8_hi_against_do_stalls_bulk_in_and_answers_a_phase_error()
    {
        _transport.HandleOut(Cbw(14, 512, true, Scsi.Write10(0, 1)));

        Assert.Equal(BulkTransferResult.Stall, _transport.ProduceIn(new byte[512]));
        _transport.ClearHalt(bulkIn: true);
        Assert.Equal(new CommandStatusWrapper(14, 512, CommandStatus.PhaseError), Csw(ReadIn(13)));
    }

    [Fact]
    public void Case_9_ho_greater_than_dn_stalls_bulk_out_and_reports_the_residue()
    {
        _transport.HandleOut(Cbw(15, 512, false, TestUnitReady));

        Assert.Equal(BulkTransferResult.Stall, _transport.HandleOut(new byte[512]));
        Assert.True(_transport.IsBulkOutHalted);
        Assert.Equal(new CommandStatusWrapper(15, 512, CommandStatus.Passed), Csw(ReadIn(13)));
        Assert.True(_transport.ClearHalt(bulkIn: false));
        Assert.Equal(BulkTransferOutcome.Completed, _transport.HandleOut(Cbw(16, 0, false, TestUnitReady)).Outcome);
    }

    [Fact]
    public void Case_10_ho_against_di_stalls_bulk_out_and_answers_a_phase_error()
    {
        _transport.HandleOut(Cbw(17, 512, false, Scsi.Read10(0, 1)));

        Assert.Equal(BulkTransferResult.Stall, _transport.HandleOut(new byte[512]));
        Assert.Equal(new CommandStatusWrapper(17, 512, CommandStatus.PhaseError), Csw(ReadIn(13)));
    }

    [Fact]
    public void Case_11_ho_greater_than_do_takes_do_bytes_stalls_the_rest_and_reports_the_residue()
    {
        var payload = Scsi.Pattern(1024, 99);
        _transport.HandleOut(Cbw(18, 1024, false, Scsi.Write10(5, 1)));

        var result = _transport.HandleOut(payload);
        var csw = Csw(ReadIn(13));

        Assert.Equal(new BulkTransferResult(BulkTransferOutcome.Stalled, 512), result);
        Assert.Equal(new CommandStatusWrapper(18, 512, CommandStatus.Passed), csw);
        Assert.Equal(payload.AsSpan(0, 512).ToArray(), _store.Data.AsSpan(5 * 512, 512).ToArray());
    }

    [Fact]
    public void Case_12_data_phases_span_transfers_of_any_size()
    {
        var payload = Scsi.Pattern(8 * 512, 42);
        _transport.HandleOut(Cbw(19, 4096, false, Scsi.Write10(20, 8)));
        for (var offset = 0; offset < payload.Length; offset += 1000)
        {
            var chunk = payload.AsSpan(offset, Math.Min(1000, payload.Length - offset));
            Assert.Equal(new BulkTransferResult(BulkTransferOutcome.Completed, chunk.Length), _transport.HandleOut(chunk));
        }

        var writeCsw = Csw(ReadIn(13));
        _transport.HandleOut(Cbw(20, 4096, true, Scsi.Read10(20, 8)));
        var readBack = new List<byte>();
        while (readBack.Count < 4096)
        {
            readBack.AddRange(ReadIn(700));
        }

        var readCsw = Csw(ReadIn(13));

        Assert.Equal(new CommandStatusWrapper(19, 0, CommandStatus.Passed), writeCsw);
        Assert.Equal(payload, readBack.ToArray());
        Assert.Equal(new CommandStatusWrapper(20, 0, CommandStatus.Passed), readCsw);
    }

    [Fact]
    public void Case_13_ho_less_than_do_drains_ho_bytes_writes_nothing_and_answers_a_phase_error()
    {
        var before = _store.Data.ToArray();
        _transport.HandleOut(Cbw(21, 512, false, Scsi.Write10(0, 2)));

        var result = _transport.HandleOut(new byte[512]);
        var csw = Csw(ReadIn(13));

        Assert.Equal(new BulkTransferResult(BulkTransferOutcome.Completed, 512), result);
        Assert.Equal(new CommandStatusWrapper(21, 0, CommandStatus.PhaseError), csw);
        Assert.Equal(before, _store.Data);
    }

    [Fact]
    public void Write_to_read_only_medium_stalls_bulk_out_and_fails_with_data_protect()
    {
        var transport = new BulkOnlyTransport(new ScsiBlockDevice(new MemoryBlockStore(16, readOnly: true)));
        transport.HandleOut(Cbw(22, 512, false, Scsi.Write10(0, 1)));

        Assert.Equal(BulkTransferResult.Stall, transport.HandleOut(new byte[512]));
        var csw = new byte[13];
        transport.ProduceIn(csw);
        transport.ClearHalt(bulkIn: false);
        transport.HandleOut(Cbw(23, 18, true, [0x03, 0, 0, 0, 18, 0]));
        var sense = new byte[18];
        transport.ProduceIn(sense);

        Assert.Equal(Scsi.Hex("55 53 42 53 16 00 00 00 00 02 00 00 01"), csw);   // tag 22, residue 512, failed
        Assert.Equal((0x07, 0x27), (sense[2], sense[12]));
    }

    [Theory]
    [InlineData("wrong-signature")]
    [InlineData("short")]
    [InlineData("long")]
    [InlineData("cb-length-0")]
    [InlineData("cb-length-17")]
    [InlineData("lun-1")]
    [InlineData("reserved-flag")]
    public void Invalid_or_meaningless_cbw_stalls_both_endpoints_until_reset_recovery(string defect)
    {
        var cbw = Cbw(30, 0, false, TestUnitReady);
        byte[] transfer = defect switch
        {
            "wrong-signature" => [.. cbw[..3], 0x44, .. cbw[4..]],
            "short" => cbw[..30],
            "long" => [.. cbw, 0x00],
            "cb-length-0" => [.. cbw[..14], 0x00, .. cbw[15..]],
            "cb-length-17" => [.. cbw[..14], 0x11, .. cbw[15..]],
            "lun-1" => [.. cbw[..13], 0x01, .. cbw[14..]],
            _ => [.. cbw[..12], 0x01, .. cbw[13..]],
        };

        Assert.Equal(BulkTransferResult.Stall, _transport.HandleOut(transfer));
        Assert.True(_transport.IsAwaitingResetRecovery);
        Assert.False(_transport.ClearHalt(bulkIn: true));
        Assert.False(_transport.ClearHalt(bulkIn: false));
        Assert.Equal(BulkTransferResult.Stall, _transport.ProduceIn(new byte[13]));
        Assert.Equal(BulkTransferResult.Stall, _transport.HandleOut(Cbw(31, 0, false, TestUnitReady)));

        // Reset recovery: Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(HALT) on bulk-in and bulk-out.
        var reset = _transport.HandleClassRequest(new SetupPacket(0x21, 0xFF, 0, 0, 0));
        Assert.Equal(GadgetControlOutcome.Ack, reset.Outcome);
        Assert.True(_transport.IsBulkInHalted);   // a reset preserves halts
        Assert.True(_transport.ClearHalt(bulkIn: true));
        Assert.True(_transport.ClearHalt(bulkIn: false));

        _transport.HandleOut(Cbw(32, 0, false, TestUnitReady));
        Assert.Equal(new CommandStatusWrapper(32, 0, CommandStatus.Passed), Csw(ReadIn(13)));
    }

    [Fact]
    public void Reset_drops_a_command_in_its_data_phase()
    {
        _transport.HandleOut(Cbw(40, 4096, true, Scsi.Read10(0, 8)));
        ReadIn(512);

        _transport.Reset();
        _transport.HandleOut(Cbw(41, 0, false, TestUnitReady));

        Assert.Equal(new CommandStatusWrapper(41, 0, CommandStatus.Passed), Csw(ReadIn(13)));
    }

    [Fact]
    public void Get_max_lun_answers_zero_and_malformed_class_requests_stall()
    {
        var maxLun = _transport.HandleClassRequest(new SetupPacket(0xA1, 0xFE, 0, 0, 1));

        Assert.Equal(GadgetControlOutcome.Ack, maxLun.Outcome);
        Assert.Equal(new byte[] { 0x00 }, maxLun.Data.ToArray());
        Assert.Equal(GadgetControlOutcome.Stall, _transport.HandleClassRequest(new SetupPacket(0x21, 0xFE, 0, 0, 1)).Outcome);
        Assert.Equal(GadgetControlOutcome.Stall, _transport.HandleClassRequest(new SetupPacket(0x21, 0xFF, 1, 0, 0)).Outcome);
        Assert.Equal(GadgetControlOutcome.Stall, _transport.HandleClassRequest(new SetupPacket(0xA1, 0x01, 0, 0, 1)).Outcome);
    }

    [Fact]
    public void Transfers_the_device_does_not_expect_yet_are_pending()
    {
        Assert.Equal(BulkTransferResult.Pending, _transport.ProduceIn(new byte[13]));   // no command yet

        _transport.HandleOut(Cbw(50, 0, false, TestUnitReady));

        Assert.Equal(BulkTransferResult.Pending, _transport.HandleOut(Cbw(51, 0, false, TestUnitReady)));   // CSW not read
        Assert.Equal(new CommandStatusWrapper(50, 0, CommandStatus.Passed), Csw(ReadIn(13)));
    }

    [Fact]
    public void Csw_can_be_read_in_pieces()
    {
        _transport.HandleOut(Cbw(60, 0, false, TestUnitReady));

        var first = ReadIn(5);
        var rest = ReadIn(64);

        Assert.Equal(new CommandStatusWrapper(60, 0, CommandStatus.Passed), Csw([.. first, .. rest]));
        Assert.Equal(BulkTransferResult.Pending, _transport.ProduceIn(new byte[13]));
    }

    private static byte[] Cbw(uint tag, uint length, bool dataIn, byte[] cdb)
    {
        var bytes = new byte[CommandBlockWrapper.Length];
        new CommandBlockWrapper(tag, length, dataIn ? (byte)0x80 : (byte)0x00, 0, (byte)cdb.Length).WriteTo(bytes, cdb);
        return bytes;
    }

    private static CommandStatusWrapper Csw(byte[] bytes)
    {
        Assert.True(CommandStatusWrapper.TryParse(bytes, out var csw));
        return csw;
    }

    private byte[] ReadIn(int size)
    {
        var buffer = new byte[size];
        var result = _transport.ProduceIn(buffer);
        Assert.Equal(BulkTransferOutcome.Completed, result.Outcome);
        return buffer[..result.Length];
    }
}
