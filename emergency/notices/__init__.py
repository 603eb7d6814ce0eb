"""The response package (应急响应材料) of a warning's transition, in Chinese: the public
announcement (启动/升级/降级/延长/解除), a notice per firm that gets one (管控通知,
措施调整通知 "本通知替代…", 解除通知), the level's list view as Excel, the firms that
continue their measures, printable HTML (A4, one file per county) and index.html.

Modules: ``inputs`` (what a package is made from), ``changes`` (who gets a notice,
numbers), ``frame`` (shared wording and timing), ``notice``, ``announcement``,
``forecast`` (AQI range, HJ 633 category, primary pollutant), ``wording``,
``listview`` (workbook), ``templates`` (autoescaped HTML, plain text), ``names``
(safe file names), ``folder`` (atomic writing), ``render`` (the package)."""
