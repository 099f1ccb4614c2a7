"""Credit reports as HTML (Jinja2) and PDF (fpdf2 with a CJK TrueType font).

PDF: fpdf2 embeds a subset of a CJK font (Debian's ``fonts-wqy-microhei`` here and in CI;
``XINYONG_REPORTING_PDF_FONT`` names another). Without one the PDF is still produced with
a core font, every character it cannot show replaced by ``?`` and a banner saying so on
the first page (decision 77) — never boxes that look like text.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from xinyong.reporting.codes import CODES, NEGATIVE
from xinyong.reporting.config import get_reporting_settings
from xinyong.reporting.consent import PURPOSE_NAMES
from xinyong.reporting.model import AccountView, CreditReport

TEMPLATES = Path(__file__).with_name("templates")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
KIND_NAMES = {
    "loan": "贷款 Loan",
    "revolving": "循环贷 Revolving credit",
    "credit_card": "贷记卡 Credit card",
    "guarantee": "相关还款责任 Guarantee",
}
STATE_NAMES = {
    "under_dispute": "异议中 under dispute",
    "corrected": "已更正 corrected",
    "upheld": "维持 upheld",
    "withdrawn": "撤回 withdrawn",
}
NO_FONT_BANNER = (
    "NO CJK FONT FOUND: Chinese text is shown as '?'. Install fonts-wqy-microhei or set "
    "XINYONG_REPORTING_PDF_FONT to a CJK TrueType font."
)


def title(r: CreditReport) -> tuple[str, str]:
    if r.header.subject_kind == "person":
        return "个人信用报告", "Personal credit report"
    return "企业信用报告", "Company credit report"


def yuan(fen: int | None) -> str:
    if fen is None:
        return "–"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def render_html(r: CreditReport) -> str:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
    )
    zh, en = title(r)
    return env.get_template("report.html.j2").render(
        r=r,
        title_zh=zh,
        title_en=en,
        purpose=" / ".join(PURPOSE_NAMES.get(r.header.purpose, (r.header.purpose,) * 2)),
        yuan=yuan,
        kinds=KIND_NAMES,
        states=STATE_NAMES,
        codes=CODES,
        negative=NEGATIVE,
    )


def find_font() -> Path | None:
    configured = get_reporting_settings().pdf_font
    for p in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if p and Path(p).is_file():
            return Path(p)
    return None


def render_pdf(r: CreditReport, *, font: Path | bool | None = True) -> bytes:
    """The report as PDF bytes; ``font=None``/``False`` forces the no-CJK-font fallback."""
    from fpdf import FPDF

    path = find_font() if font is True else (font or None)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    cjk = path is not None
    if cjk:
        pdf.add_font("cjk", fname=str(path))
        family = "cjk"
    else:
        family = "helvetica"

    def t(s: str) -> str:
        return s if cjk else s.encode("latin-1", "replace").decode("latin-1")

    def line(s: str, size: float = 9, h: float = 5) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(0, h, t(s), new_x="LMARGIN", new_y="NEXT")

    def heading(s: str) -> None:
        pdf.ln(2)
        line(s, 12, 7)

    zh, en = title(r)
    if not cjk:
        pdf.set_text_color(200, 0, 0)
        line(NO_FONT_BANNER, 10, 6)
        pdf.set_text_color(0, 0, 0)
    line(f"{zh}  {en}", 16, 9)
    h = r.header
    line(f"报告编号 Report no. {h.report_id}   报告日 As of {h.on}")
    purpose = " / ".join(PURPOSE_NAMES.get(h.purpose, (h.purpose,) * 2))
    fee = f"{yuan(h.fee_fen)} 元 (chargeable)" if h.chargeable else "免费 free"
    line(f"查询机构 Requested by {h.requested_by}   原因 Purpose {purpose}   {fee}")

    heading("一、基本信息 Basic information")
    line(f"名称 Name: {r.basic.name}")
    for i in r.basic.identifiers:
        line(f"{i.scheme}: {i.value}")

    heading("二、信息概要 Summary")
    s = r.summary
    util = "–" if s.utilisation is None else f"{s.utilisation * 100:.0f} %"
    line(
        f"账户 Accounts {s.accounts} ({s.open_accounts} open); 授信额度 Limit {yuan(s.credit_limit_fen)}; "
        f"余额 Balance {yuan(s.balance_fen)}; 使用率 Utilisation {util}"
    )
    line(
        f"当前逾期 Overdue now {s.accounts_overdue_now}; 曾逾期 Ever overdue {s.accounts_ever_overdue}; "
        f"近24个月最差 Worst 24 m {s.worst_status_24m}; 对外担保 Guaranteed {yuan(s.guaranteed_fen)}"
    )
    if s.score is not None:
        line(f"数字解读 Platform score: {s.score.score:.0f} (card v{s.score.card_version})", 11, 6)
        for n, x in enumerate(s.score.reasons, 1):
            line(f"  {n}. {x.description} (-{x.points_lost} points)")
        line(s.score.note, 7, 4)

    heading("三、信贷交易信息明细 Credit transactions")
    accounts: list[AccountView] = r.credit_transactions + r.repayment_responsibilities
    if not accounts:
        line("无 None")
    for a in accounts:
        flag = "  [异议中 under dispute]" if a.under_dispute else ""
        line(f"{KIND_NAMES.get(a.kind, a.kind)} · {a.lender} · {a.account_no}{flag}", 10, 6)
        line(
            f"开立 Opened {a.opened_on}; 关闭 Closed {a.closed_on or '–'}; 金额 Amount "
            f"{yuan(a.amount_fen)} {a.currency}; 余额 Balance {yuan(a.balance_fen)}; "
            f"当前 Current {a.current_status or '–'}; 近60个月最差 Worst 60 m {a.worst_status_60m}"
        )
        if a.months:
            grid = "  ".join(
                f"{m.month} {m.status}{'*' if m.corrected else ''}{'!' if m.under_dispute else ''}"
                for m in a.months[:24]
            )
            line(grid, 7, 4)
        if a.dropped_negative_months:
            line(
                f"{a.dropped_negative_months} negative month(s) past the 5-year retention not shown",
                7,
                4,
            )

    heading("四、非信贷交易信息 Non-credit transactions")
    line(r.non_credit_note)
    heading("五、公共信息明细 Public information (kept apart)")
    line(r.public_information.note, 7, 4)
    if not r.public_information.records:
        line("无 None")
    for p in r.public_information.records:
        line(
            f"{p.kind_name_zh} / {p.kind_name_en}: {p.decided_on or '–'} {p.deciding_authority or ''} {p.decision_no or ''}"
        )
    heading("六、本人声明 Personal statements")
    if not r.statements:
        line("无 None")
    for st in r.statements:
        line(f"{st.added_on}: {st.text}")
    heading("七、异议标注 Objection annotations")
    if not r.annotations:
        line("无 None")
    for an in r.annotations:
        when = f", answered {an.decided_on}" if an.decided_on else ""
        line(
            f"{STATE_NAMES.get(an.state, an.state)}: account {an.account_id} {an.month or ''}, "
            f"opened {an.opened_on}, due {an.due_on}{when}: {an.text}"
        )
    heading("八、查询记录 Query records (2 years)")
    if not r.query_records:
        line("无 None")
    for q in r.query_records:
        line(f"{q.on}  {q.organisation}  {q.purpose}")
    return bytes(pdf.output())
