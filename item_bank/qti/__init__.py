"""QTI 2.2 and 3.0 exchange: export case studies and papers as content packages, import packages
and single items into draft case studies. Pure (lxml and nh3 only): no Flask, no database."""

from item_bank.qti.export import export_case_study, export_paper, item_xml
from item_bank.qti.importer import ImportReport, ItemReport, PackageRefused, Problem, import_item_xml, import_package
from item_bank.qti.schemas import SchemaSet, schemas

__all__ = [
    "export_case_study", "export_paper", "item_xml",
    "import_package", "import_item_xml", "ImportReport", "ItemReport", "PackageRefused", "Problem",
    "schemas", "SchemaSet",
]
