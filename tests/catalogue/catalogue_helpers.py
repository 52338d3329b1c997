"""Building MARC records for the catalogue tests."""

import pymarc


def marc_record(n: int, *, title=None, author="Tere Liye", year="2023", isbn="9786020332956",
                call_number="899.221 TER b") -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    record.leader = "00000nam a2200000 a 4500"
    record.add_field(pymarc.Field(tag="001", data=f"INLIS{n:06d}"))
    record.add_field(pymarc.Field(tag="008", data=f"230101s{year}    io            000 0 ind d"))
    if isbn:
        record.add_field(pymarc.Field(tag="020", indicators=pymarc.Indicators(" ", " "),
                                      subfields=[pymarc.Subfield("a", f"{isbn} (pbk.)")]))
    record.add_field(pymarc.Field(tag="084", indicators=pymarc.Indicators(" ", " "),
                                  subfields=[pymarc.Subfield("a", call_number)]))
    record.add_field(pymarc.Field(tag="100", indicators=pymarc.Indicators("0", " "),
                                  subfields=[pymarc.Subfield("a", author + ",")]))
    if title is not False:
        record.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"), subfields=[
            pymarc.Subfield("a", (title or f"Buku nomor {n}") + " /"),
            pymarc.Subfield("c", author)]))
    record.add_field(pymarc.Field(tag="264", indicators=pymarc.Indicators(" ", "1"), subfields=[
        pymarc.Subfield("a", "Jakarta :"), pymarc.Subfield("b", "Gramedia Pustaka Utama,"),
        pymarc.Subfield("c", f"{year}.")]))
    record.add_field(pymarc.Field(tag="650", indicators=pymarc.Indicators(" ", "4"),
                                  subfields=[pymarc.Subfield("a", "Fiksi Indonesia")]))
    record.add_field(pymarc.Field(tag="856", indicators=pymarc.Indicators("4", "2"), subfields=[
        pymarc.Subfield("3", "Sampul"), pymarc.Subfield("u", f"https://opac.example.id/uploaded/{n}.jpg")]))
    return record


def marcxml_of(record: pymarc.Record, *, namespace=True) -> str:
    """A MARCXML <record> (the way INLISLite and Koha write it)."""
    from xml.sax.saxutils import escape, quoteattr

    ns = ' xmlns="http://www.loc.gov/MARC21/slim"' if namespace else ""
    out = [f"<record{ns}>", f"<leader>{escape(str(record.leader))}</leader>"]
    for f in record.fields:
        if f.is_control_field():
            out.append(f"<controlfield tag={quoteattr(f.tag)}>{escape(f.data)}</controlfield>")
        else:
            subs = "".join(f"<subfield code={quoteattr(s.code)}>{escape(s.value)}</subfield>" for s in f.subfields)
            out.append(f"<datafield tag={quoteattr(f.tag)} ind1={quoteattr(f.indicator1)} "
                       f"ind2={quoteattr(f.indicator2)}>{subs}</datafield>")
    out.append("</record>")
    return "".join(out)
