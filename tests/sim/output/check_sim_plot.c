/* check_sim_plot: a run's, a sweep's and a regression suite's folders become SVG plots and a report.html that opens
 * offline: every plot drawn with the legend a reader looks for, the run's figures in the tables, and plain messages
 * when gnuplot is missing or fails or an input file is broken. */
#include <check.h>

#include "rt_check.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_proc.h"
#include "sim_plot.h"

#define NDASH "\xe2\x80\x93"

static char *s_dir;              /* this test's folder */
static char *s_saved_gnuplot;    /* ROBOTAXI_GNUPLOT as the test found it */
static int s_had_gnuplot;

/* Removes a folder and everything in it. */
static void
s_rm_tree (const char *path)
{
    DIR *d = opendir (path);
    if (d) {
        struct dirent *e;
        while ((e = readdir (d))) {
            if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
                continue;
            char sub[4096];
            snprintf (sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat (sub, &st) == 0 && S_ISDIR (st.st_mode))
                s_rm_tree (sub);
            else
                unlink (sub);
        }
        closedir (d);
    }
    rmdir (path);
}

static void
s_setup (void)
{
    s_dir = rt_temp_dir ("plot");
    ck_assert (s_dir != NULL);
    const char *g = getenv ("ROBOTAXI_GNUPLOT");
    s_had_gnuplot = g != NULL;
    s_saved_gnuplot = g ? strdup (g) : NULL;
    unsetenv ("ROBOTAXI_GNUPLOT");
}

static void
s_teardown (void)
{
    if (s_had_gnuplot)
        setenv ("ROBOTAXI_GNUPLOT", s_saved_gnuplot, 1);
    else
        unsetenv ("ROBOTAXI_GNUPLOT");
    free (s_saved_gnuplot);
    s_saved_gnuplot = NULL;
    s_rm_tree (s_dir);
    free (s_dir);
    s_dir = NULL;
}

static char *
s_path (const char *name)
{
    static char path[4096];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

static FILE *
s_create (const char *name)
{
    FILE *f = fopen (s_path (name), "w");
    ck_assert_msg (f != NULL, "cannot write %s", name);
    return f;
}

static void
s_write (const char *name, const char *text)
{
    FILE *f = s_create (name);
    fputs (text, f);
    fclose (f);
}

static char *
s_read (const char *name)
{
    char *text = rt_slurp (s_path (name), NULL);
    ck_assert_msg (text != NULL, "%s was not written", name);
    return text;
}

static int
s_exists (const char *name)
{
    return access (s_path (name), F_OK) == 0;
}

/* ---- a day's results, small but shaped like a Wuhan run's ---- */

static void
s_write_summary (void)
{
    s_write ("summary.json",
             "{\n"
             "  \"kind\": \"final\", \"seq\": 97, \"sim_time_s\": 90123.5, \"day\": 3,\n"
             "  \"scenario\": \"Wuhan <core> & \\\"rain\\\"\", \"seed\": \"18446744073709551615\",\n"
             "  \"fleets\": {\n"
             "    \"robotaxi\": {\"vehicles\": 400, \"online\": 0, \"requests\": 12873, \"served\": 12345,\n"
             "      \"unserved\": 528, \"util_occupied\": 0.4123, \"util_pickup\": 0.1012, \"util_idle\": 0.4865,\n"
             "      \"empty_km_share\": 0.2311, \"km_driven\": 123456.7, \"revenue_yuan\": 98765.43,\n"
             "      \"mean_wait_s\": 252.0, \"p95_wait_s\": 611.0},\n"
             "    \"human\": {\"vehicles\": 3000, \"online\": 0, \"requests\": 60150, \"served\": 58210,\n"
             "      \"unserved\": 1940, \"util_occupied\": 0.5531, \"util_pickup\": 0.0912, \"util_idle\": 0.3557,\n"
             "      \"empty_km_share\": 0.1570, \"km_driven\": 654321.0, \"revenue_yuan\": 1520000.5,\n"
             "      \"mean_wait_s\": 198.0, \"p95_wait_s\": 540.0}\n"
             "  },\n"
             "  \"drivers\": {\"drivers\": 2874, \"hours_online\": 25866.0, \"gross_hourly_yuan\": 58.76,\n"
             "    \"net_hourly_yuan\": 31.42, \"net_daily_yuan\": 282.78, \"net_income_yuan\": 812713.2},\n"
             "  \"displacement\": {\"baseline_human_trips\": 68500, \"human_trips\": 58210, \"trips_moved\": 10290,\n"
             "    \"baseline_driver_income_yuan\": 955000.0, \"driver_income_yuan\": 812713.2,\n"
             "    \"income_moved_yuan\": 142286.8, \"fulltime_drivers_equivalent\": 503.17},\n"
             "  \"days\": 3,\n"
             "  \"weather\": {\"rain_mm\": 12}\n"
             "}\n");
}

static void
s_write_fares (void)
{
    FILE *f = s_create ("fares.csv");
    fputs ("distance_km,minutes,robotaxi_list_yuan,robotaxi_yuan,robotaxi_coupon_yuan,human_list_yuan,human_yuan,"
           "taxi_yuan\n",
           f);
    for (int i = 0; i <= 60; i++) {
        double km = i * 0.5, min = km * 2;
        double list = 16 + 2.9 * fmax (0, km - 1) + 0.4 * fmax (0, min - 2);
        double paid = 0.3 * list, coupon = fmax (0.99, paid - 4);
        double human = 8 + 1.6 * fmax (0, km - 2.5) + 0.35 * min;
        double taxi = 10 + 1.8 * fmax (0, km - 3) + 0.3 * min;
        fprintf (f, "%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", km, min, list, paid, coupon, human * 1.1, human,
                 taxi);
    }
    fclose (f);
}

/* hourly.csv; bad_line > 0 breaks that line (counting the header as 1) as `how` says */
static void
s_write_hourly (int bad_line, const char *how)
{
    FILE *f = s_create ("hourly.csv");
    fputs ("hour,fleet,requests,served,unserved,vehicles_online,util_occupied,util_pickup,util_idle,km_driven,"
           "empty_km_share,revenue_yuan,mean_wait_s,p95_wait_s\n",
           f);
    int line = 1;
    for (int h = 0; h < 24; h++)
        for (int fl = 0; fl < 2; fl++) {
            line++;
            double peak = exp (-pow (h - 8.5, 2) / 4) + exp (-pow (h - 18, 2) / 5);
            double occ = (fl ? 0.35 : 0.25) + 0.3 * peak, pick = 0.05 + 0.05 * peak;
            double online = fl ? 600 + 1800 * peak : (h >= 2 && h < 6 ? 360 : 400);
            int req = (int) ((fl ? 1500 : 300) + (fl ? 3000 : 700) * peak);
            int served = req - req / 25;
            char occ_text[32];
            snprintf (occ_text, sizeof occ_text, "%.4f", occ);
            if (line == bad_line && strcmp (how, "word") == 0)
                snprintf (occ_text, sizeof occ_text, "busy");
            fprintf (f, "%d,%s,%d,%d,%d,%.1f,%s,%.4f,%.4f,%.1f,%.4f,%.2f,%.1f", h, fl ? "human" : "robotaxi", req,
                     served, req - served, online, occ_text, pick, 1 - occ - pick, 31.5 * online, 0.2, served * 8.0,
                     240.0);
            if (!(line == bad_line && strcmp (how, "missing") == 0))
                fputs (",600.0", f);   /* p95_wait_s */
            fputc ('\n', f);
        }
    fclose (f);
}

static void
s_write_waits (void)
{
    FILE *f = s_create ("waits.csv");
    fputs ("wait_min,robotaxi,human\n", f);
    for (int m = 0; m <= 25; m++)
        fprintf (f, "%d,%.0f,%.0f\n", m, 1200 * exp (-m / 4.0), 5000 * exp (-m / 3.0));
    fclose (f);
}

static void
s_write_costs (void)
{
    s_write ("costs.csv",
             "fleet,vehicle_days,hours_online,hours_occupied,km,trips,fares_yuan,capital,rent,insurance,energy,"
             "maintenance,cleaning,depot,software,operators,commission,driver_time,fixed_per_vehicle_day,"
             "variable_per_km,cost_per_vehicle_day,cost_per_km,cost_per_trip,cost_per_10km,revenue_per_vehicle_day,"
             "revenue_per_trip,profit_per_vehicle_day,break_even_rides_per_day,utilization\n"
             "robotaxi,400.0,8800.0,3628.2,123456.7,12345,98765.43,182.5,0.0,27.4,46.3,30.9,25.0,18.0,12.0,96.0,"
             "0.0,0.0,361.0,0.62,648.1,2.10,21.00,21.00,246.9,8.00,-401.2,52.3,0.4123\n"
             "human,2874.0,25866.0,14306.5,654321.0,58210,1520000.50,0.0,95.0,12.0,93.8,34.2,0.0,0.0,0.0,0.0,"
             "105.8,540.3,647.3,0.40,881.1,3.87,43.50,38.70,528.9,26.11,-352.2,0.0,0.5531\n");
}

static void
s_write_costcurve (void)
{
    FILE *f = s_create ("costcurve.csv");
    fputs ("utilization,robotaxi_yuan_per_km,human_yuan_per_km\n", f);
    for (int i = 1; i <= 20; i++) {
        double u = i * 0.05;
        fprintf (f, "%.2f,%.4f,%.4f\n", u, 0.9 + 0.5 / u, 1.6 + 1.25 / u);
    }
    fclose (f);
}

static void
s_write_choice (void)
{
    FILE *f = s_create ("choice.csv");
    fputs ("price_factor,robotaxi_yuan_10km,robotaxi_share,human_share,other_share\n", f);
    for (int i = 1; i <= 12; i++) {
        double pf = i * 0.25, price = 14.79 * pf;
        double r = exp (1.2 - 0.12 * price), h = exp (0.0), o = exp (-0.6);
        fprintf (f, "%.2f,%.2f,%.4f,%.4f,%.4f\n", pf, price, r / (r + h + o), h / (r + h + o), o / (r + h + o));
    }
    fclose (f);
}

static void
s_write_days (int days)
{
    FILE *f = s_create ("days.csv");
    fputs ("day,active_drivers,driver_hours,driver_net_hourly_yuan,driver_net_income_yuan,robotaxi_trips,"
           "human_trips,robotaxi_share,unserved,baseline_active_drivers,trips_moved,income_moved_yuan,"
           "fulltime_drivers_equivalent,displaced_drivers,income_lost_yuan,trips_lost\n",
           f);
    for (int d = 1; d <= days; d++)
        fprintf (f, "%d,%d,%.1f,%.2f,%.2f,%d,%d,%.5f,%d,%d,%d,%.2f,%.2f,%d,%.2f,%d\n", d, 2874 - 40 * d,
                 25866.0 - 300 * d, 31.42 - 0.8 * d, 812713.2 - 9000 * d, 12345 + 150 * d, 58210 - 150 * d,
                 0.175 + 0.002 * d, 2468, 3000, 10140 + 50 * d, 140000.05 + 1000.01 * d, 495.13 + 3.5 * d, 126 + 40 * d,
                 142286.8 + 9000 * d, 10290 + 150 * d);
    fclose (f);
}

/* A whole run's folder with `days` rows in days.csv (0: no days.csv). */
static void
s_write_run (int days)
{
    s_write_summary ();
    s_write_fares ();
    s_write_hourly (0, "");
    s_write_waits ();
    s_write_costs ();
    s_write_costcurve ();
    s_write_choice ();
    if (days)
        s_write_days (days);
    s_write ("config.ini", "[run]\nseed = 18446744073709551615\n");
}

/* A sweep over a 3 x 2 grid with two seeds per point; active drivers = 3000 - size/2 - 100 promo + 10 seed. */
static void
s_write_sweep (void)
{
    FILE *f = s_create ("sweep.csv");
    fputs ("robotaxi.fleet_size,robotaxi.promo_factor,seed,robotaxi_share,active_drivers,driver_net_hourly_yuan,"
           "displaced_drivers,robotaxi_cost_per_km\n",
           f);
    static const int sizes[] = {100, 200, 400};
    static const double promos[] = {0.3, 0.6};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            for (int seed = 1; seed <= 2; seed++) {
                double drivers = 3000 - sizes[i] / 2.0 - 100 * promos[j] + 10 * seed;
                fprintf (f, "%d,%g,%d,%.4f,%.0f,%.2f,%.0f,%.2f\n", sizes[i], promos[j], seed,
                         sizes[i] / 2500.0 / promos[j], drivers, 30 + drivers / 1000, 3000 - drivers,
                         1.2 + 200.0 / sizes[i]);
            }
    fclose (f);
}

/* ---- what a user sees ---- */

/* An SVG document, complete, that references nothing on the network (only the SVG and xlink namespaces). */
static void
s_assert_svg (const char *name)
{
    ck_assert_msg (s_exists (name), "%s not drawn", name);
    char *svg = s_read (name);
    ck_assert_msg (strstr (svg, "<svg") != NULL, "%s: no <svg", name);
    size_t n = strlen (svg);
    while (n && (svg[n - 1] == '\n' || svg[n - 1] == ' '))
        n--;
    ck_assert_msg (n >= 6 && strncmp (svg + n - 6, "</svg>", 6) == 0, "%s does not end with </svg>", name);
    for (const char *p = svg; (p = strstr (p, "http")); p++)
        ck_assert_msg (strncmp (p, "http://www.w3.org/", 18) == 0, "%s links to %.60s", name, p);
    ck_assert_msg (strstr (svg, "<script") == NULL, "%s carries a script", name);
    free (svg);
}

static void
s_assert_has (const char *name, const char *needle)
{
    char *text = s_read (name);
    ck_assert_msg (strstr (text, needle) != NULL, "%s lacks \"%s\"", name, needle);
    free (text);
}

static void
s_assert_lacks (const char *name, const char *needle)
{
    char *text = s_read (name);
    ck_assert_msg (strstr (text, needle) == NULL, "%s has \"%s\"", name, needle);
    free (text);
}

static const char *const s_run_plots[] = {"fares", "utilization", "waits", "costcurve", "choice", "days",
                                           "days_pay"};

START_TEST (test_run_folder_draws_every_plot)
{
    char err[512] = "";
    s_write_run (3);
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < sizeof s_run_plots / sizeof *s_run_plots; i++) {
        char svg[64], gp[64], dat[64];
        snprintf (svg, sizeof svg, "%s.svg", s_run_plots[i]);
        snprintf (gp, sizeof gp, "gnuplot/%s.gp", s_run_plots[i]);
        snprintf (dat, sizeof dat, "gnuplot/%s.dat", s_run_plots[i]);
        s_assert_svg (svg);
        ck_assert_msg (s_exists (gp) && s_exists (dat), "%s has no script or data to re-run", svg);
    }
    s_assert_has ("fares.svg", "robotaxi list price");
    s_assert_has ("fares.svg", "robotaxi promotional price");
    s_assert_has ("fares.svg", "robotaxi with coupon");
    s_assert_has ("fares.svg", "human ride-hail");
    s_assert_has ("fares.svg", "taxi meter");
    s_assert_has ("fares.svg", "4" NDASH "16 yuan per 10 km");
    s_assert_has ("fares.svg", "18" NDASH "30 yuan per 10 km");
    s_assert_has ("fares.svg", "10 km");
    /* the scenario in titles, as text: gnuplot escapes < and & (not >) */
    s_assert_has ("fares.svg", "Wuhan &lt;core> &amp; \"rain\"");
    s_assert_has ("utilization.svg", "robotaxi carrying a rider");
    s_assert_has ("utilization.svg", "human carrying or driving to a pickup");
    s_assert_has ("utilization.svg", "robotaxis online (right axis)");
    s_assert_has ("waits.svg", "robotaxi");
    s_assert_has ("waits.svg", "human ride-hail");
    /* the operating points from costs.csv: 41.23% at 2.10 yuan/km, 55.31% at 3.87, as the cost table shows them */
    s_assert_has ("costcurve.svg", "robotaxi: 41.23% at 2.1000 yuan/km");
    s_assert_has ("costcurve.svg", "human ride-hail: 55.31% at 3.8700 yuan/km");
    s_assert_has ("choice.svg", "today's fare");
    s_assert_has ("choice.svg", "other ways");
    /* thousands of active drivers and a hundred displaced, each on its own axis; their pay in a figure of its own */
    s_assert_has ("days.svg", "active drivers (left axis)");
    s_assert_has ("days.svg", "drivers displaced against no robotaxis (right axis)");
    s_assert_has ("gnuplot/days.gp", "axes x1y2");
    s_assert_has ("days_pay.svg", "drivers' net yuan per hour");
    /* the scripts run again from the folder, as their header says */
    s_assert_has ("gnuplot/fares.gp", "gnuplot gnuplot/fares.gp");
    s_assert_has ("gnuplot/fares.gp", "set output 'fares.svg'");
}
END_TEST

START_TEST (test_report_shows_the_run)
{
    char err[512] = "";
    s_write_run (3);
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    char *html = s_read ("report.html");
    ck_assert (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    ck_assert (strstr (html, "</html>") != NULL);
    /* the scenario name is text, never markup */
    ck_assert (strstr (html, "Wuhan &lt;core&gt; &amp; &quot;rain&quot;") != NULL);
    ck_assert (strstr (html, "<core>") == NULL);
    ck_assert (strstr (html, "18446744073709551615") != NULL);
    ck_assert (strstr (html, "3 days") != NULL);
    /* fleet figures: served, utilization in %, waits in minutes */
    ck_assert (strstr (html, ">12345<") != NULL);
    ck_assert (strstr (html, ">58210<") != NULL);
    /* every figure as summary.json and the CSV files hold it (and the terminal prints it), under its scope */
    ck_assert (strstr (html, "<h2>Fleets on day 3 of 3 (the last day)</h2>") != NULL);
    ck_assert (strstr (html, ">41.23%<") != NULL);
    ck_assert (strstr (html, ">4.2<") != NULL);    /* 252 s mean robotaxi wait */
    ck_assert (strstr (html, "Human drivers on day 3: 2874 worked 25866.0 h; gross 58.76 yuan/h, net 31.42 yuan/h")
               != NULL);
    ck_assert (strstr (html, "trips moved to robotaxis") != NULL);
    ck_assert (strstr (html, ">10290<") != NULL);
    /* displacement: each day of days.csv in readable columns, their total and mean; then the last day in detail */
    ck_assert (strstr (html, "<h2>Displacement: each day against the same day without robotaxis</h2>") != NULL);
    ck_assert (strstr (html, "<th class=\"n\">displaced drivers</th>") != NULL);
    ck_assert (strstr (html, ">displaced_drivers<") == NULL);
    ck_assert_msg (strstr (html, "<tr><th>total, 3 days</th><td class=\"n\">30720</td><td class=\"n\">426000.21</td>"
                                 "<td class=\"n\">1506.39</td><td class=\"n\">618</td><td class=\"n\">480860.40</td>"
                                 "<td class=\"n\">31770</td></tr>") != NULL, "%.400s", strstr (html, "total, 3"));
    ck_assert (strstr (html, "<tr><th>mean per day</th><td class=\"n\">10240</td><td class=\"n\">142000.07</td>")
               != NULL);
    ck_assert (strstr (html, "Day 3 of 3 (the last day) in detail") != NULL);
    /* costs over every day, as costs.csv holds them */
    ck_assert (strstr (html, "<h2>Costs over all 3 days</h2>") != NULL);
    ck_assert (strstr (html, "cost per km, yuan") != NULL);
    ck_assert (strstr (html, ">2.1000<") != NULL);
    ck_assert (strstr (html, "break-even rides per day") != NULL);
    ck_assert (strstr (html, ">52.30<") != NULL);
    ck_assert (strstr (html, "utilization: time carrying a rider") != NULL);
    /* the plots of the last day say so */
    ck_assert (strstr (html, "Utilization by hour, day 3 of 3 (the last day)") != NULL);
    ck_assert (strstr (html, "remote operators") != NULL);
    for (size_t i = 0; i < sizeof s_run_plots / sizeof *s_run_plots; i++) {
        char img[64];
        snprintf (img, sizeof img, "<img src=\"%s.svg\" alt=\"", s_run_plots[i]);
        ck_assert_msg (strstr (html, img) != NULL, "report.html lacks %s", img);
    }
    ck_assert (strstr (html, "<a href=\"summary.json\">") != NULL);
    ck_assert (strstr (html, "<a href=\"config.ini\">") != NULL);
    ck_assert (strstr (html, "<a href=\"hourly.csv\">") != NULL);
    ck_assert (strstr (html, "http") == NULL);
    ck_assert (strstr (html, "<script") == NULL);
    ck_assert (strstr (html, "not drawn") == NULL);
    free (html);
}
END_TEST

START_TEST (test_days_plot_needs_two_days)
{
    char err[512] = "";
    s_write_run (1);
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    ck_assert (!s_exists ("days.svg") && !s_exists ("days_pay.svg"));
    s_assert_lacks ("report.html", "days.svg");
    s_assert_lacks ("report.html", "days_pay.svg");
    s_assert_svg ("fares.svg");
    s_write_days (2);
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    s_assert_svg ("days.svg");
    s_assert_svg ("days_pay.svg");
    s_assert_has ("report.html", "<img src=\"days.svg\"");
    s_assert_has ("report.html", "<img src=\"days_pay.svg\"");
}
END_TEST

START_TEST (test_sweep_two_key_grid)
{
    char err[512] = "";
    s_write_sweep ();
    ck_assert_msg (sim_plot_sweep (s_dir, err, sizeof err) == 0, "%s", err);
    s_assert_svg ("sweep_drivers.svg");
    s_assert_svg ("sweep_share.svg");
    /* one line per promotion, drawn against the fleet size: the legend names the key once, then each value, then
     * each metric's style */
    s_assert_has ("sweep_drivers.svg", ">robotaxi.promo_factor<");
    s_assert_has ("sweep_drivers.svg", ">0.3<");
    s_assert_has ("sweep_drivers.svg", ">0.6<");
    s_assert_has ("sweep_drivers.svg", ">active drivers<");
    s_assert_has ("sweep_drivers.svg", ">net yuan/h (right axis)<");
    /* the title says what the days are, for each metric when they differ (no config.ini: the number is unknown) */
    s_assert_has ("sweep_drivers.svg", "active drivers: mean per day, net yuan/h (right axis): all days");
    s_assert_has ("sweep_drivers.svg", "robotaxi.fleet_size");
    s_assert_has ("sweep_drivers.svg", "mean of 2 replications per point, bars: 95% interval (Student's t)");
    /* the means over the two seeds, 2930 and 2940 drivers at 100 robotaxis and promotion 0.3 (3000 - 50 - 30 + 10
     * seed): 2935 +- t(1) 12.706 x sd 7.071 / sqrt 2 = 63.53, drawn 7.5 left of 100 (the four lines spread over 5%
     * of the 300-robotaxi axis, so their bars do not hide each other) */
    s_assert_has ("gnuplot/sweep_drivers.dat", "100\t100\t2\t92.5\t2935\t2871.47\t2998.53\t");
    /* 400 robotaxis at 0.6: share 400/2500/0.6 = 26.67% in both seeds, no spread; the second of two lines */
    s_assert_has ("gnuplot/sweep_share.dat", "400\t400\t2\t407.5\t26.67\t26.67\t26.67\n");
    char *html = s_read ("report.html");
    ck_assert (strstr (html, "robotaxi sweep: robotaxi.fleet_size \xc3\x97 robotaxi.promo_factor") != NULL);
    ck_assert (strstr (html, "12 runs") != NULL);
    ck_assert (strstr (html, "<img src=\"sweep_drivers.svg\"") != NULL);
    ck_assert (strstr (html, "<img src=\"sweep_share.svg\"") != NULL);
    ck_assert (strstr (html, ">displaced_drivers<") != NULL);     /* every column of sweep.csv */
    ck_assert (strstr (html, ">robotaxi_cost_per_km<") != NULL);
    ck_assert (strstr (html, "<a href=\"sweep.csv\">") != NULL);
    ck_assert (strstr (html, "http") == NULL);
    free (html);
}
END_TEST

START_TEST (test_sweep_one_key)
{
    char err[512] = "";
    s_write ("sweep.csv", "robotaxi.fleet_size,seed,robotaxi_share,active_drivers,driver_net_hourly_yuan\n"
                          "100,1,0.04,2950,33.1\n200,1,0.08,2900,32.5\n100,2,0.05,2940,33.3\n");
    ck_assert_msg (sim_plot_sweep (s_dir, err, sizeof err) == 0, "%s", err);
    s_assert_svg ("sweep_drivers.svg");
    s_assert_has ("sweep_drivers.svg", "active drivers");
    /* 4% and 5%: 4.5 +- 12.706205 x 0.707 / sqrt 2 = 6.3531025 */
    s_assert_has ("gnuplot/sweep_share.dat", "100\t100\t2\t100\t4.5\t-1.8531\t10.8531\n");
    /* a heat map needs two keys */
    ck_assert (!s_exists ("sweep_heat_share.svg"));
}
END_TEST

/* A sweep as robotaxi-sim writes it: the first nkeys of fleet size (100, 200, 400), promotion (0.3, 0.6) and
 * drivers (2000, 3000) swept, seeds runs per point and, with baseline, the displacement columns. Share = size / 2500 /
 * promo, the same for every seed; profit = 50 - size/4 - 100 promo + 10 seed (a profit only at 100 robotaxis and
 * 0.3); displaced drivers = size / 10 + seed. */
static void
s_write_sweep_full (int nkeys, int seeds, int baseline)
{
    FILE *f = s_create ("sweep.csv");
    static const char *const key[] = {"robotaxi.fleet_size", "robotaxi.promo_factor", "human.drivers"};
    for (int k = 0; k < nkeys; k++)
        fprintf (f, "%s,", key[k]);
    fputs ("run,seed,robotaxi_trips,robotaxi_share,robotaxi_mean_wait_s,human_mean_wait_s,robotaxi_utilization,"
           "robotaxi_rides_per_vehicle_day,robotaxi_cost_per_vehicle_day,robotaxi_profit_per_vehicle_day,"
           "robotaxi_break_even_rides_per_day,active_drivers,driver_net_hourly_yuan",
           f);
    fputs (baseline ? ",displaced_drivers,displaced_income_yuan,trips_moved,income_moved_yuan,"
                      "fulltime_drivers_equivalent\n"
                    : "\n",
           f);
    static const int sizes[] = {100, 200, 400};
    static const double promos[] = {0.3, 0.6};
    static const int drivers[] = {2000, 3000};
    int run = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < (nkeys > 1 ? 2 : 1); j++)
            for (int d = 0; d < (nkeys > 2 ? 2 : 1); d++)
                for (int seed = 1; seed <= seeds; seed++) {
                    double promo = promos[j], profit = 50 - sizes[i] / 4.0 - 100 * promo + 10 * seed;
                    fprintf (f, "%d,", sizes[i]);
                    if (nkeys > 1)
                        fprintf (f, "%g,", promo);
                    if (nkeys > 2)
                        fprintf (f, "%d,", drivers[d]);
                    fprintf (f, "%d,%d,%d,%.4f,%d,200,%.4f,%.2f,160,%.2f,%.2f,2800,17.5", run++, seed, sizes[i] * 5,
                             sizes[i] / 2500.0 / promo, 180 + seed * 30, 0.05 + 0.01 * seed, 5.0 + seed, profit,
                             profit > 0 ? 5.0 : 11.0);
                    if (baseline)
                        fprintf (f, ",%d,%d,%d,%.2f,%.2f", sizes[i] / 10 + seed, sizes[i] * 20, sizes[i] * 2,
                                 sizes[i] * 25.0, sizes[i] / 12.0);
                    fputc ('\n', f);
                }
    fclose (f);
    s_write ("config.ini", "[scenario]\nname = test\nseed = 1\ndays = 3\nbaseline = 1\n");
}

static const char *const s_sweep_lines[] = {"sweep_share",  "sweep_rides", "sweep_utilization", "sweep_cost",
                                            "sweep_profit", "sweep_wait",  "sweep_drivers"};
static const char *const s_sweep_baseline_lines[] = {"sweep_displaced", "sweep_income"};
static const char *const s_sweep_heats[] = {"sweep_heat_share", "sweep_heat_profit", "sweep_heat_displaced",
                                            "sweep_heat_moved"};

/* A --baseline sweep of two keys and two seeds draws every figure the issue names, the heat maps, and bars of the
 * means' 95% intervals; its page leads with what the sweep found and the headline figures per point. */
START_TEST (test_sweep_report_with_baseline_and_seeds)
{
    char err[512] = "", name[64];
    s_write_sweep_full (2, 2, 1);
    ck_assert_msg (sim_plot_sweep (s_dir, err, sizeof err) == 0, "%s", err);
    char *html = s_read ("report.html");
    const char *const *sets[] = {s_sweep_lines, s_sweep_baseline_lines, s_sweep_heats};
    size_t sizes[] = {sizeof s_sweep_lines / sizeof *s_sweep_lines, 2, 4};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++) {
            snprintf (name, sizeof name, "%s.svg", sets[k][i]);
            s_assert_svg (name);
            char img[100];
            snprintf (img, sizeof img, "<img src=\"%s\"", name);
            ck_assert_msg (strstr (html, img) != NULL, "report.html does not show %s", name);
        }
    /* bars on every line figure, t-based: profit at 100 robotaxis and 0.3 is 5 and 15, so 10 +- 63.531025 */
    for (size_t i = 0; i < sizeof s_sweep_lines / sizeof *s_sweep_lines; i++) {
        snprintf (name, sizeof name, "gnuplot/%s.gp", s_sweep_lines[i]);
        s_assert_has (name, "with yerrorlines");
    }
    s_assert_has ("gnuplot/sweep_profit.dat", "\t10\t-53.531\t73.531\n");
    s_assert_has ("sweep_profit.svg", "bars: 95% interval");
    /* the titles say what the days are: config.ini played 3 days */
    s_assert_has ("sweep_share.svg", "all 3 days");
    s_assert_has ("sweep_displaced.svg", "mean per day over 3 days");
    s_assert_has ("sweep_wait.svg", "the last of 3 days");
    /* the heat maps write each cell's mean: 400 robotaxis at 0.6 take 26.67% */
    s_assert_has ("sweep_heat_share.svg", ">26.67<");
    s_assert_has ("sweep_heat_share.svg", ">robotaxi.promo_factor<");
    /* the page: findings first, then the table of headline figures with readable names, then the figures */
    const char *found = strstr (html, "What the sweep found"), *table = strstr (html, "Headline figures per point");
    const char *figure = strstr (html, "<img");
    ck_assert (found && table && figure && found < table && table < figure);
    ck_assert (strstr (html, "; 1 of 6 points make a profit") != NULL);
    ck_assert (strstr (html, ">Profit per robotaxi-day, yuan<") != NULL);
    ck_assert (strstr (html, ">Displaced drivers<") != NULL);
    ck_assert (strstr (html, ">Income moved, yuan<") != NULL);
    ck_assert (strstr (html, ">10.0<br><small>\xc2\xb1" "63.5</small>") != NULL);
    ck_assert (strstr (html, "12 runs: 6 points \xc3\x97 2 replications, 3 days each") != NULL);
    free (html);
}
END_TEST

/* One seed per point: means of one run have no interval, so no bars and no +- in the table. */
START_TEST (test_sweep_one_seed_has_no_bars)
{
    char err[512] = "", name[64];
    s_write_sweep_full (2, 1, 1);
    ck_assert_msg (sim_plot_sweep (s_dir, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < sizeof s_sweep_lines / sizeof *s_sweep_lines; i++) {
        snprintf (name, sizeof name, "gnuplot/%s.gp", s_sweep_lines[i]);
        s_assert_lacks (name, "yerrorlines");
        s_assert_has (name, "with linespoints");
    }
    s_assert_has ("sweep_share.svg", "one run per point");
    s_assert_lacks ("report.html", "\xc2\xb1");
    s_assert_svg ("sweep_heat_profit.svg");
}
END_TEST

/* A heat map for exactly two swept keys: not for one, not for three (whose lines are means over the third key, and
 * say so, without bars); without --baseline, no displacement figure. */
START_TEST (test_sweep_heat_maps_only_for_two_keys)
{
    char err[512] = "", name[64];
    for (int nkeys = 1; nkeys <= 3; nkeys += 2) {
        s_rm_tree (s_dir);
        ck_assert (mkdir (s_dir, 0700) == 0);
        s_write_sweep_full (nkeys, 2, 0);
        ck_assert_msg (sim_plot_sweep (s_dir, err, sizeof err) == 0, "%s", err);
        s_assert_svg ("sweep_share.svg");
        s_assert_svg ("sweep_profit.svg");
        for (size_t i = 0; i < sizeof s_sweep_heats / sizeof *s_sweep_heats; i++) {
            snprintf (name, sizeof name, "%s.svg", s_sweep_heats[i]);
            ck_assert_msg (!s_exists (name), "%d keys drew %s", nkeys, name);
        }
        ck_assert (!s_exists ("sweep_displaced.svg") && !s_exists ("sweep_income.svg"));
        s_assert_lacks ("report.html", ">Displaced drivers<");
    }
    s_assert_has ("sweep_share.svg", "mean over seeds and the other swept keys");
    s_assert_lacks ("gnuplot/sweep_share.gp", "yerrorlines");
}
END_TEST

START_TEST (test_missing_gnuplot_still_writes_report)
{
    char err[512] = "";
    s_write_run (3);
    setenv ("ROBOTAXI_GNUPLOT", "/nonexistent/gnuplot", 1);
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), 1);
    ck_assert_msg (strstr (err, "gnuplot") && strstr (err, "apt-get install gnuplot-nox"), "%s", err);
    ck_assert (!s_exists ("fares.svg"));
    s_assert_has ("report.html", "plots not drawn: gnuplot not found (apt-get install gnuplot-nox)");
    s_assert_has ("report.html", ">12345<");
    s_assert_lacks ("report.html", "<img");
    /* the scripts are there to draw the plots once gnuplot is installed */
    ck_assert (s_exists ("gnuplot/fares.gp") && s_exists ("gnuplot/fares.dat"));

    s_rm_tree (s_dir);
    ck_assert (mkdir (s_dir, 0700) == 0);
    s_write_sweep ();
    ck_assert_int_eq (sim_plot_sweep (s_dir, err, sizeof err), 1);
    s_assert_has ("report.html", "plots not drawn: gnuplot not found");
}
END_TEST

START_TEST (test_broken_hourly_names_the_line)
{
    char err[512] = "";
    s_write_run (3);
    s_write_hourly (4, "missing");
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "hourly.csv:4: expected 14 fields, got 13") != NULL, "%s", err);
    s_write_hourly (6, "word");
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "hourly.csv:6: util_occupied: 'busy' is not a number") != NULL, "%s", err);
    s_write ("hourly.csv", "hour,fleet,vehicles_online,util_occupied\n0,robotaxi,400,0.3\n");
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "hourly.csv:1: no column 'util_pickup'") != NULL, "%s", err);
}
END_TEST

START_TEST (test_columns_found_by_name)
{
    char err[512] = "";
    s_write_run (0);
    /* columns in another order, one unknown column more, CRLF line ends, no taxi meter: still drawn */
    s_write ("waits.csv", "human,note,wait_min,robotaxi\r\n500,a,0,100\r\n300,b,1,80\r\n100,c,2,20\r\n");
    s_write ("fares.csv", "robotaxi_yuan,distance_km,robotaxi_list_yuan,robotaxi_coupon_yuan,human_yuan\n"
                          "4.8,0,16,0.99,8\n9.0,10,30,5,27\n");
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    s_assert_svg ("waits.svg");
    s_assert_svg ("fares.svg");
    s_assert_lacks ("fares.svg", "taxi meter");
    /* human share of the 0-minute bin: 500 of 900 */
    s_assert_has ("gnuplot/waits.dat", "0\t50\t55.5556\n");
}
END_TEST

START_TEST (test_missing_optional_file_skips_its_plot)
{
    char err[512] = "";
    s_write_run (0);
    unlink (s_path ("waits.csv"));
    unlink (s_path ("choice.csv"));
    unlink (s_path ("costs.csv"));
    s_write ("hourly.csv", "hour,fleet,vehicles_online,util_occupied,util_pickup\n");   /* no rows: no plot */
    ck_assert_msg (sim_plot_run (s_dir, err, sizeof err) == 0, "%s", err);
    ck_assert (!s_exists ("waits.svg") && !s_exists ("choice.svg") && !s_exists ("days.svg") &&
               !s_exists ("days_pay.svg"));
    s_assert_svg ("fares.svg");
    s_assert_svg ("costcurve.svg");   /* drawn without operating points */
    s_assert_lacks ("costcurve.svg", "today");
    s_assert_lacks ("report.html", "waits.svg");
    s_assert_lacks ("report.html", "<h2>Costs</h2>");
    s_assert_has ("report.html", "<img src=\"costcurve.svg\"");
    ck_assert (!s_exists ("utilization.svg"));
}
END_TEST

START_TEST (test_missing_summary_or_folder_named)
{
    char err[512] = "";
    s_write_run (0);
    unlink (s_path ("summary.json"));
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "summary.json: No such file") != NULL, "%s", err);
    ck_assert (!s_exists ("report.html"));
    s_write ("summary.json", "{\"scenario\": \"x\", \"fleets\": {\"robotaxi\": {\"served\": \"many\"}, "
                             "\"human\": {}}}\n");
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "summary.json: fleets.robotaxi.served: not a number") != NULL, "%s", err);
    s_write ("summary.json", "{\"scenario\": \"x\",\n \"fleets\": }\n");
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "summary.json:2:") != NULL, "%s", err);

    ck_assert_int_eq (sim_plot_run ("/nonexistent/robotaxi-out", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "/nonexistent/robotaxi-out") != NULL, "%s", err);
    ck_assert_int_eq (sim_plot_sweep ("/nonexistent/robotaxi-sweep", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "/nonexistent/robotaxi-sweep") != NULL, "%s", err);
}
END_TEST

START_TEST (test_failing_gnuplot_names_the_script)
{
    char err[512] = "";
    s_write_run (3);
    s_write ("fares.svg", "<svg>an old plot</svg>\n");
    s_write ("fake-gnuplot", "#!/bin/sh\necho 'fake gnuplot: cannot draw' >&2\nexit 1\n");
    chmod (s_path ("fake-gnuplot"), 0755);
    setenv ("ROBOTAXI_GNUPLOT", s_path ("fake-gnuplot"), 1);
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "gnuplot: fares.gp: fake gnuplot: cannot draw") != NULL, "%s", err);
    ck_assert (!s_exists ("fares.svg"));   /* the old plot does not pass for this run's */
    s_assert_has ("report.html", "fares.svg not drawn: gnuplot: fares.gp: fake gnuplot: cannot draw");
    s_assert_has ("report.html", ">12345<");

    setenv ("ROBOTAXI_GNUPLOT", "/bin/false", 1);
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "gnuplot: fares.gp: exit status 1") != NULL, "%s", err);

    /* gnuplot's own complaint comes back as its "line N: why", not the echo of the script before it */
    s_write ("fake-gnuplot", "#!/bin/sh\n"
                             "printf '\\n         plot foo(x)\\n              ^\\n' >&2\n"
                             "printf '\"%s\" line 3: undefined function: foo\\n\\n' \"$1\" >&2\n"
                             "exit 1\n");
    setenv ("ROBOTAXI_GNUPLOT", s_path ("fake-gnuplot"), 1);
    ck_assert_int_eq (sim_plot_run (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "gnuplot: fares.gp: line 3: undefined function: foo") != NULL, "%s", err);
}
END_TEST

START_TEST (test_broken_sweep_named)
{
    char err[512] = "";
    ck_assert_int_eq (sim_plot_sweep (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "sweep.csv") != NULL, "%s", err);
    s_write ("sweep.csv", "robotaxi.fleet_size,seed,robotaxi_share,active_drivers,driver_net_hourly_yuan\n"
                          "100,1,0.04,2950,33.1\n200,1,0.08,lots,32.5\n");
    ck_assert_int_eq (sim_plot_sweep (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "sweep.csv:3: active_drivers: 'lots' is not a number") != NULL, "%s", err);
    s_write ("sweep.csv", "fleet_size,seed,robotaxi_share,active_drivers,driver_net_hourly_yuan\n100,1,0.1,1,1\n");
    ck_assert_int_eq (sim_plot_sweep (s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "sweep.csv:1: no swept key") != NULL, "%s", err);
}
END_TEST

/* ---- a regression suite's folder ---- */

/* regress.csv for the scenarios scen[0..ns) x the policies pol[0..np) over three gated metrics, every change within
 * tolerance; with worse, the last metric of the last scenario and policy is a regression. */
static void
s_write_regress (const char *const *scen, size_t ns, const char *const *pol, size_t np, int worse)
{
    static const char *const metric[] = {"served_share", "robotaxi_mean_wait_s", "displaced_drivers"};
    static const char *const better[] = {"higher", "lower", "lower"};
    FILE *f = s_create ("regress.csv");
    fputs ("scenario,policy,seed,metric,better,baseline,value,change,tolerance,status\n", f);
    for (size_t s = 0; s < ns; s++)
        for (size_t p = 0; p < np; p++)
            for (size_t m = 0; m < 3; m++) {
                int bad = worse && s == ns - 1 && p == np - 1 && m == 2;
                fprintf (f, "%s,%s,42,%s,%s,10,%g,%g,5,%s\n", scen[s], pol[p], metric[m], better[m],
                         bad ? 40.0 : 10.0, bad ? 30.0 : 0.0, bad ? "worse" : "within");
            }
    fclose (f);
}

/* One scenario played with one policy gives one bar a panel, the last one at the end of gnuplot/regress.dat: gnuplot
 * (5.4) died on that chart (signal 11) and no regress.svg was drawn. */
START_TEST (test_regress_one_scenario_or_one_policy_is_drawn)
{
    static const char *const scen[] = {"weekday", "rush-surge"};
    static const char *const pol[] = {"nearest", "batch"};
    static const size_t shape[][2] = {{1, 1}, {1, 2}, {2, 1}};
    for (int worse = 0; worse < 2; worse++)
        for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++) {
            char err[512] = "";
            s_write_regress (scen, shape[i][0], pol, shape[i][1], worse);
            ck_assert_msg (sim_plot_regress (s_dir, err, sizeof err) == 0, "%zu x %zu: %s", shape[i][0], shape[i][1],
                           err);
            s_assert_svg ("regress.svg");
            s_assert_has ("regress.svg", "served_share (higher is better)");
            s_assert_has ("regress.svg", "displaced_drivers (lower is better)");
            s_assert_has ("regress.svg", "nearest");
            s_assert_has ("regress.svg", "weekday");
            if (worse)
                s_assert_has ("regress.svg", "WORSE +300.0%");
            else
                s_assert_lacks ("regress.svg", "WORSE +");   /* the title says what WORSE means */
            s_assert_has ("report.html", "<img src=\"regress.svg\"");
            s_assert_lacks ("report.html", "not drawn");
        }
}
END_TEST

/* A gated metric with nothing compared (every row new, as after adding a metric to the suite) still has its block in
 * gnuplot/regress.dat: gnuplot does not count a block of comments only, so the later panels showed the next
 * metric's bars under the wrong title. */
START_TEST (test_regress_metric_with_nothing_compared_keeps_its_panel)
{
    FILE *f = s_create ("regress.csv");
    fputs ("scenario,policy,seed,metric,better,baseline,value,change,tolerance,status\n"
           "weekday,nearest,42,served_share,higher,10,10.123456789,0.123456789,5,within\n"
           "weekday,batch,42,served_share,higher,10,10,0,5,within\n"
           "weekday,nearest,42,robotaxi_mean_wait_s,lower,,300,,30,new\n"
           "weekday,batch,42,robotaxi_mean_wait_s,lower,,310,,30,new\n"
           "weekday,nearest,42,displaced_drivers,lower,10,10,0,5,within\n"
           "weekday,batch,42,displaced_drivers,lower,10,40,30,5,worse\n",
           f);
    fclose (f);
    char err[512] = "";
    ck_assert_msg (sim_plot_regress (s_dir, err, sizeof err) == 0, "%s", err);
    s_assert_svg ("regress.svg");
    s_assert_has ("regress.svg", "WORSE +300.0%");
    /* the page's table rounds what regress.csv holds in full */
    s_assert_has ("report.html", ">10.1235<");
    s_assert_lacks ("report.html", "10.123456789");
    /* three blocks, each with a data line, so gnuplot's index m is the m-th metric */
    FILE *dat = fopen (s_path ("gnuplot/regress.dat"), "r");
    ck_assert_ptr_nonnull (dat);
    char line[512];
    int blocks = 0, data_in_block = 0, blank = 0, empty_blocks = 0;
    while (fgets (line, sizeof line, dat)) {
        if (line[0] == '\n') {
            blank++;
            continue;
        }
        if (blocks == 0 || blank >= 2) {
            if (blocks > 0 && !data_in_block)
                empty_blocks++;
            blocks++;
            data_in_block = 0;
        }
        blank = 0;
        if (line[0] != '#')
            data_in_block = 1;
    }
    if (!data_in_block)
        empty_blocks++;
    fclose (dat);
    ck_assert_int_eq (blocks, 3);
    ck_assert_int_eq (empty_blocks, 0);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_plot");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_run_folder_draws_every_plot);
    tcase_add_test (core, test_report_shows_the_run);
    tcase_add_test (core, test_days_plot_needs_two_days);
    tcase_add_test (core, test_sweep_two_key_grid);
    tcase_add_test (core, test_sweep_one_key);
    tcase_add_test (core, test_sweep_report_with_baseline_and_seeds);
    tcase_add_test (core, test_sweep_one_seed_has_no_bars);
    tcase_add_test (core, test_sweep_heat_maps_only_for_two_keys);
    tcase_add_test (core, test_columns_found_by_name);
    tcase_add_test (core, test_regress_one_scenario_or_one_policy_is_drawn);
    tcase_add_test (core, test_regress_metric_with_nothing_compared_keeps_its_panel);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_missing_gnuplot_still_writes_report);
    tcase_add_test (limits, test_broken_hourly_names_the_line);
    tcase_add_test (limits, test_missing_optional_file_skips_its_plot);
    tcase_add_test (limits, test_missing_summary_or_folder_named);
    tcase_add_test (limits, test_failing_gnuplot_names_the_script);
    tcase_add_test (limits, test_broken_sweep_named);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
