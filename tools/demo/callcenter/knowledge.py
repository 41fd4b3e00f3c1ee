"""Knowledge-base articles (知识库) and the held-out questions that evaluate answer matching.

Each topic is written once per product it applies to: a title, an answer, the similar questions
(相似问法) the knowledge team already listed, and customers' own wordings that the article does not
contain (held out: they are the evaluation set, in ``_truth/knowledge_questions.json``, never in
the landing zone). Customers use other words than the article (掉线 for 离线, 登不上 for 无法登录),
name the product only sometimes, and ask a few things no article answers (the right answer to those
is a hand-off to a person). About one article in eight is a draft or archived and must not be
suggested. The knowledge base does not grow with the company's size, so the scale does not
change it; the seed only changes dates, statuses and which wordings name the product.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from .._util import DAY, as_ts, rng_for
from ..world import World

ENTITY = "callcenter.knowledge_articles"
TRUTH_FILE = "knowledge_questions.json"

# (category, products, title, body, similar questions, held-out customer wordings); {p} = product
TOPICS: tuple[tuple[str, tuple[str, ...], str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("使用咨询", ("MES", "云平台", "设备管理平台"), "{p}无法登录怎么办",
     "请确认账号未被锁定：连续输错密码5次账号锁定30分钟。可在登录页点击“忘记密码”，通过绑定手机的验证码重置密码。",
     ("{p}登录失败", "{p}账号被锁定"),
     ("{p}登不上去了，一直提示密码错误", "账号锁住了进不去{p}", "输错几次密码之后登录不了")),
    ("使用咨询", ("MES", "云平台"), "{p}如何重置密码",
     "管理员在“用户管理”中选择用户并点击“重置密码”，新密码以短信发送到用户绑定的手机。",
     ("{p}修改密码", "{p}密码忘记了"),
     ("员工忘了{p}的密码，管理员怎么帮他改", "怎么给同事重新设置{p}密码")),
    ("故障报修", ("工业网关", "设备管理平台"), "{p}设备显示离线",
     "设备离线通常是网关断电或网络中断：检查网关电源指示灯和网线，确认4G卡未欠费；恢复后5分钟内自动上线。",
     ("{p}设备离线", "{p}设备不在线"),
     ("{p}设备老是掉线", "设备突然断开连接，平台上看不到数据了", "网关连不上平台，状态灰色")),
    ("故障报修", ("工业网关",), "{p}固件升级失败",
     "升级前确认网关电量充足并保持联网；升级包需与型号匹配。失败后可在“设备详情-固件”中重新下发升级任务。",
     ("{p}升级失败", "{p}固件更新不成功"),
     ("网关升级到一半失败了", "{p}更新固件一直报错，怎么重新升级")),
    ("故障报修", ("MES", "数据分析平台"), "{p}报表导出失败",
     "单次导出超过10万行会失败，请缩小时间范围或按月分批导出；导出文件在“下载中心”保存7天。",
     ("{p}导出报表报错", "{p}报表下载不了"),
     ("{p}导出Excel的时候提示错误", "数据太多导不出来", "报表下载一直转圈没有文件")),
    ("故障报修", ("数据分析平台", "云平台"), "{p}数据同步延迟",
     "数据每15分钟同步一次；超过1小时未更新请检查采集任务状态，失败的任务可在“任务中心”手动重跑。",
     ("{p}数据不同步", "{p}数据没更新"),
     ("{p}上的数据还是昨天的", "看板数字很久没有变化了", "采集的数据延迟好几个小时")),
    ("使用咨询", ("移动端",), "{p}收不到消息推送",
     "请在手机“设置-通知”中允许APP通知，并将APP加入省电白名单；重新登录后推送恢复。",
     ("{p}没有推送", "{p}通知收不到"),
     ("手机APP不提醒了", "{p}告警消息手机上不弹出来")),
    ("使用咨询", ("移动端",), "{p}如何扫码报工",
     "在APP首页点击“扫码报工”，扫描工单二维码后填写完工数量并提交，班组长审核后计入产量。",
     ("{p}扫码报工", "{p}怎么报工"),
     ("工人在手机上怎么登记完成的数量", "二维码扫了以后怎么提交产量")),
    ("使用咨询", ("MES", "设备管理平台"), "{p}如何新增用户和分配权限",
     "管理员在“系统设置-用户管理”新增用户，再在“角色权限”中勾选可见菜单和数据范围。",
     ("{p}添加用户", "{p}权限设置"),
     ("新来的员工怎么开通{p}账号", "怎么让同事只能看到自己车间的数据")),
    ("发票问题", ("MES", "云平台", "工业网关"), "如何申请开具发票（{p}）",
     "订单签收后，在客户中心“发票管理”提交开票申请，填写抬头和税号；增值税专用发票5个工作日内寄出。",
     ("{p}开发票", "{p}发票申请"),
     ("买了{p}要开增值税专票，怎么弄", "专票什么时候能寄到", "付款以后去哪里申请票据")),
    ("发票问题", ("云平台",), "{p}发票抬头错误如何重开",
     "发票信息有误需在开票后30天内申请红冲重开：在“发票管理”选择该发票点击“申请重开”，并寄回原发票。",
     ("{p}发票开错了", "{p}重开发票"),
     ("税号填错了，票要作废重新开", "公司名称写错了能不能换一张发票")),
    ("物流查询", ("工业网关", "设备管理平台"), "{p}硬件发货和物流查询",
     "硬件在合同生效后3个工作日内发货，物流单号以短信通知；在客户中心“订单详情”可查看快递进度。",
     ("{p}什么时候发货", "{p}物流单号"),
     ("买的网关到哪了", "快递单号在哪里看", "下单一周了还没收到货")),
    ("安装调试", ("工业网关",), "{p}安装接线说明",
     "网关导轨安装，24V直流供电；RS485接A+/B-，以太网口接车间交换机；上电后指示灯绿色常亮即正常。",
     ("{p}怎么安装", "{p}接线"),
     ("网关电源线和485线怎么接", "导轨上装好以后灯不亮")),
    ("安装调试", ("MES", "设备管理平台"), "{p}上线实施流程",
     "实施分为需求调研、基础数据导入、试运行和正式上线四步，通常4到8周；由实施顾问驻场或远程支持。",
     ("{p}实施周期", "{p}上线步骤"),
     ("系统从购买到用起来要多长时间", "实施顾问会来现场吗")),
    ("使用咨询", ("数据分析平台",), "{p}如何自定义看板",
     "在“看板”页点击“新建”，拖入图表组件并选择数据集和指标，保存后可分享给同事或设为首页。",
     ("{p}自定义看板", "{p}新建图表"),
     ("想自己做一个产量的图表放首页", "怎么把做好的分析页给领导看")),
    ("使用咨询", ("云平台", "MES"), "{p}接口对接与API密钥",
     "在“开放平台”创建应用获取AppKey和Secret，调用前先换取访问令牌；接口文档在开发者中心下载。",
     ("{p}API对接", "{p}接口文档"),
     ("我们的ERP想和{p}打通", "开发人员要的密钥在哪里申请")),
    ("投诉", ("MES", "云平台", "设备管理平台"), "{p}服务投诉处理流程",
     "投诉受理后24小时内由服务经理联系您，5个工作日内给出处理结果；可在工单中查看处理进度并评价。",
     ("{p}投诉", "{p}对服务不满意"),
     ("工程师一直不回复，我要投诉", "问题拖了很久没人管，找谁反映")),
    ("使用咨询", ("云平台",), "{p}授权到期续费",
     "授权到期前30天系统提醒；续费请联系销售或在客户中心“订阅管理”在线续订，到期后数据保留90天。",
     ("{p}续费", "{p}授权到期"),
     ("许可证快过期了怎么续", "不续费的话数据会被删掉吗")),
)

# questions no article answers: the right answer is a person
UNANSWERABLE = (
    "你们公司年会什么时候办", "能不能帮我推荐一家餐厅", "我想应聘实施工程师", "下周三能来厂里开个会吗",
    "你们老板电话多少", "可以代购服务器吗", "我们车间的空调坏了", "合同里的违约金能不能少一点",
)


def articles_and_questions(seed: int, end_secs: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The articles (contract columns) and the held-out questions (question, article_ids: the
    articles that answer it, ';'-separated, several when the question names no product and the
    topic has one article per product; empty = none does). Pure, so the backtest can rebuild them
    without generating a whole world."""
    rng = rng_for(seed, ENTITY)
    rows: list[dict] = []
    answers: dict[str, list[str]] = {}
    for topic in TOPICS:
        category, products, title, body, similar, held_out = topic
        published = []
        for product in products:
            article_id = f"KB-{len(rows) + 1:04d}"
            u = rng.random()
            status = "draft" if u < 0.06 else "archived" if u < 0.12 else "published"
            rows.append({
                "article_id": article_id,
                "title": title.format(p=product),
                "body": body,
                "similar_questions": ";".join(q.format(p=product) for q in similar),
                "product": product,
                "category": category,
                "status": status,
                "_updated": int(end_secs - rng.integers(1, 400) * DAY - rng.integers(0, DAY)),
            })
            if status == "published":
                published.append((product, article_id))
        for wording in held_out:
            for product, article_id in published:
                # a wording with {p} names the product about 2 times in 3
                named = "{p}" in wording and rng.random() < 0.67
                text = wording.format(p=product if named else "")
                answers.setdefault(text, [])
                if named:
                    answers[text].append(article_id)
                else:  # any published article of the topic answers it
                    answers[text].extend(a for _, a in published)
    for question in UNANSWERABLE:
        answers.setdefault(question, [])
    articles = pl.DataFrame(rows)
    articles = articles.with_columns(updated_at=as_ts(articles["_updated"].to_numpy()))
    held = pl.DataFrame({"question": list(answers),
                         "article_ids": [";".join(sorted(set(a))) for a in answers.values()]})
    return articles, held


def knowledge_articles(world: World) -> None:
    articles, questions = articles_and_questions(world.seed, int(world.tl.end))
    world.tables[ENTITY] = articles
    world.tables["_knowledge_questions"] = questions


def write(world: World, writer) -> None:
    writer.write_csv(ENTITY, f"callcenter/knowledge_articles/knowledge_articles_{world.end_date:%Y%m%d}.csv",
                     world.tables[ENTITY])


def write_truth(truth_dir: Path, world: World) -> None:
    """The held-out questions, beside the other ground truth (never landing data)."""
    questions = world.tables["_knowledge_questions"]
    (truth_dir / TRUTH_FILE).write_text(json.dumps(questions.to_dicts(), ensure_ascii=False, indent=0),
                                        encoding="utf-8")
