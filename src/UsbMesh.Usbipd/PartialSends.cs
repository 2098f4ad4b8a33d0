namespace UsbMesh.Usbipd;

/// <summary>What a gathered socket send has left after a partial send (a signal, a socket buffer change).</summary>
internal static class PartialSends
{
    /// <summary>The segments of <paramref name="segments"/> after the first <paramref name="sent"/> bytes.</summary>
    public static List<ArraySegment<byte>> Rest(IList<ArraySegment<byte>> segments, long sent)
    {
        var rest = new List<ArraySegment<byte>>(segments.Count);
        foreach (var segment in segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            rest.Add(segment.Slice((int)sent));
            sent = 0;
        }

        return rest;
    }
}
